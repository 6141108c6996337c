import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execShard } from '../../../shared/engine/execShard.js';
import { prepareRun } from '../../../shared/engine/prepareRun.js';
import { startRun } from '../../../shared/engine/startRun.js';
import { taskGate } from '../../../shared/engine/taskGate.js';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { engineHarness } from '../../support/engineHarness.js';
import { type Fleet, fleetHosts, startFleet } from '../../support/fleet.js';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ count: 2 });
}, 60_000);
afterAll(async () => fleet?.stop());

describe('exactly once per (run, task, host)', () => {
  it('runs the command once when the same shard is invoked twice in parallel, and both invocations see the same result', async () => {
    // Prepare: a command that leaves one line per execution in a file of its own host (the fleet's
    // hosts share the machine's file system, so the file name carries the host's own hostname).
    const marker = `/tmp/stepfleet-once-${process.pid}-${Date.now()}`;
    const hosts = fleetHosts(fleet);
    const harness = await engineHarness(
      `name: once\ntasks:\n  - { name: count, type: exec, targets: [all], spec: { command: "echo ran >> ${marker}-$(hostname); sleep 1; echo done" } }\n`,
      hosts,
    );
    try {
      const { runId } = await startRun(harness.deps, { taskGroup: 'once' });
      await prepareRun(harness.deps, { runId });
      const cursor = await taskGate(harness.deps, { runId, task: 'count', action: 'start' });
      expect(cursor).toMatchObject({ action: 'run-wave', wave: 0 });
      const shards = cursor.action === 'run-wave' ? cursor.shards : [];
      const budget = { remainingMs: () => 900_000 };
      // Act: every shard invoked twice at the same time, as a duplicated Lambda delivery would.
      const outcomes = await Promise.all(
        shards.flatMap((shard) =>
          [1, 2].map(() => execShard(harness.deps, { runId, task: 'count', wave: 0, shard }, budget)),
        ),
      );
      // Assess
      expect(outcomes.every((o) => o.done)).toBe(true);
      const probe = new SshExecutor();
      try {
        for (const host of hosts) {
          const lines = await probe.run({
            host,
            command: `wc -l < ${marker}-$(hostname); rm -f ${marker}-$(hostname)`,
            env: {},
            timeoutMs: 10_000,
            confidential: [],
          });
          expect(lines.stdout.text.trim(), host.name).toBe('1');
          const record = await harness.store.getHostRecord({ runId, task: 'count', host: host.name });
          expect(record).toMatchObject({ status: 'success', final: true, attempt: 1, exitCode: 0 });
          expect(record?.stdout.text).toBe('done\n');
        }
      } finally {
        await probe.close();
      }
      const gate = await taskGate(harness.deps, { runId, task: 'count', action: 'wave-done', wave: 0 });
      expect(gate).toEqual({ action: 'done', status: 'success' });
    } finally {
      await harness.close();
    }
  });
});
