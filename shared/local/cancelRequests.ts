import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepfleetError } from '../errors.js';

/**
 * Cancel requests between CLI processes. A running local run holds the on-disk store, so
 * `stepfleet runs cancel` from another terminal leaves a file under `<stateDir>/cancel/` that the
 * running process watches for.
 */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const POLL_MS = 500;

function requestFile(stateDir: string, runId: string): string {
  if (!RUN_ID.test(runId) || runId.includes('..'))
    throw new StepfleetError('INVALID_RUN_ID', `"${runId}" is not a run id`);
  return join(stateDir, 'cancel', runId);
}

/** Asks the process running `runId` from `stateDir` to cancel it. */
export function requestLocalCancel(stateDir: string, runId: string): void {
  const file = requestFile(stateDir, runId);
  mkdirSync(join(stateDir, 'cancel'), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${new Date().toISOString()}\n`);
}

/** Calls `onCancel` once when a cancel request for `runId` appears; returns a function that stops watching. */
export function watchLocalCancel(stateDir: string, runId: string, onCancel: () => void): () => void {
  const file = requestFile(stateDir, runId);
  const timer = setInterval(() => {
    if (!existsSync(file)) return;
    clearInterval(timer);
    rmSync(file, { force: true });
    onCancel();
  }, POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    rmSync(file, { force: true });
  };
}
