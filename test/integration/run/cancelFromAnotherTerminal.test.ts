import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../shared/store/types.js';
import { runCli } from '../../support/runCli.js';

const ROOT = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'stepfleet-cancel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stepfleet runs cancel', () => {
  it('stops a local run that another process is running, which ends cancelled with exit 130', async () => {
    // Prepare
    const file = join(dir, 'wait.yaml');
    writeFileSync(
      file,
      'name: wait\ntasks:\n  - { name: wait, type: exec, targets: [local], timeout: 1m, spec: { command: "sleep 30" } }\n',
    );
    const events = join(dir, 'events.jsonl');
    const state = join(dir, 'state');
    const child = spawn(
      process.execPath,
      [join(ROOT, 'cli/stepfleet.js'), 'run', file, '--json', '--events', events, '--state-dir', state],
      {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const runId = await waitForRunning(events);
    // Act
    const cancelled = await runCli(['runs', 'cancel', runId, '--state-dir', state]);
    const code = await exited;
    // Assess
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`cancel requested for run ${runId}`);
    expect(code).toBe(130);
    const result = JSON.parse(stdout) as RunResult;
    expect(result.status).toBe('cancelled');
    expect(result.results.wait?.hosts.local?.status).toBe('cancelled');
  });
});

async function waitForRunning(events: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const lines = readFileSync(events, 'utf8').split('\n').filter(Boolean);
      const running = lines
        .map((l) => JSON.parse(l) as { kind: string; status: string; runId: string })
        .find((e) => e.kind === 'host' && e.status === 'running');
      if (running) return running.runId;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the run did not start a host in time');
}
