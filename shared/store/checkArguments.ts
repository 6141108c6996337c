import { RunStoreError } from './RunStoreError.js';

/**
 * Patterns of the names that go into keys. None allows `#`, the key separator, so a prefix
 * query for one task or host can never match another's items.
 */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const TASK_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const GROUP_NAME = TASK_NAME;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkName(what: string, value: string, pattern: RegExp): void {
  if (!pattern.test(value)) {
    throw new RunStoreError(
      'INVALID_ARGUMENT',
      `Invalid ${what} "${value}": it must match ${pattern.source}.`,
    );
  }
}

export function checkInteger(what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RunStoreError(
      'INVALID_ARGUMENT',
      `${what} must be an integer of at least ${min}, got ${value}.`,
    );
  }
}

/** Checks the names and shard of a (run, task, shard, host) reference. */
export function checkRef(ref: { runId: string; task: string; shard: number; host: string }): void {
  checkName('runId', ref.runId, RUN_ID);
  checkName('task', ref.task, TASK_NAME);
  checkName('host', ref.host, HOST_NAME);
  checkInteger('shard', ref.shard, 0);
}
