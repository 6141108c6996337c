import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execShard } from '../../../shared/engine/execShard.js';
import { prepareRun } from '../../../shared/engine/prepareRun.js';
import { startRun } from '../../../shared/engine/startRun.js';
import { taskGate } from '../../../shared/engine/taskGate.js';
import type { HostExecutor } from '../../../shared/exec/HostExecutor.js';
import type { Host } from '../../../shared/inventory/Host.js';
import type { RunStore } from '../../../shared/store/RunStore.js';
import { type EngineHarness, engineHarness } from '../../support/engineHarness.js';
import { type Fleet, fleetHosts, startFleet } from '../../support/fleet.js';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ count: 3 });
}, 60_000);
afterAll(async () => fleet?.stop());

const BUDGET = { remainingMs: () => 900_000 };

/** Starts a run of `yaml` on the fleet and returns its first wave's shards. */
async function firstWave(harness: EngineHarness, group: string, task: string) {
  const { runId } = await startRun(harness.deps, { taskGroup: group });
  await prepareRun(harness.deps, { runId });
  const cursor = await taskGate(harness.deps, { runId, task, action: 'start' });
  if (cursor.action !== 'run-wave') throw new Error(`task ${task} did not start: ${JSON.stringify(cursor)}`);
  return { runId, shards: cursor.shards };
}

/** Wraps one method of the store in place (the store keeps private fields, so no proxy). */
function around<K extends 'claimHostAttempt' | 'completeHostAttempt'>(
  store: RunStore,
  name: K,
  wrap: (original: RunStore[K]) => RunStore[K],
): void {
  const original = store[name].bind(store) as RunStore[K];
  (store as unknown as Record<K, RunStore[K]>)[name] = wrap(original);
}

describe('execShard', () => {
  it('connects to each host while its attempt is claimed, and runs the command only after the claim', async () => {
    // Prepare
    const hosts = fleetHosts(fleet);
    const harness = await engineHarness(
      'name: overlap\ntasks:\n  - { name: t, type: exec, targets: [all], spec: { command: hostname } }\n',
      hosts,
    );
    const log: string[] = [];
    around(harness.store, 'claimHostAttempt', (claim) => async (input) => {
      log.push(`claim ${input.host}`);
      const outcome = await claim(input);
      log.push(`claimed ${input.host}`);
      return outcome;
    });
    const realExecutorFor = harness.deps.executorFor;
    harness.deps.executorFor = (host: Host): HostExecutor => {
      const executor = realExecutorFor(host);
      return {
        connect: (h) => {
          log.push(`connect ${h.name}`);
          return executor.connect?.(h) ?? Promise.resolve();
        },
        run: (request) => {
          log.push(`run ${request.host.name}`);
          return executor.run(request);
        },
        close: () => executor.close(),
      };
    };
    try {
      const { runId, shards } = await firstWave(harness, 'overlap', 't');

      // Act
      for (const shard of shards) await execShard(harness.deps, { runId, task: 't', wave: 0, shard }, BUDGET);

      // Assess
      for (const host of hosts) {
        const mine = log.filter((line) => line.endsWith(` ${host.name}`)).map((line) => line.split(' ')[0]);
        expect(mine, host.name).toEqual(['connect', 'claim', 'claimed', 'run']);
        const record = await harness.store.getHostRecord({ runId, task: 't', host: host.name });
        expect(record).toMatchObject({ status: 'success', final: true });
      }
    } finally {
      await harness.close();
    }
  });

  it('starts the next host while the last result is still being written, and stores every result before it returns', async () => {
    // Prepare: one host at a time, and result writes held back by 300 ms.
    const hosts = fleetHosts(fleet);
    const harness = await engineHarness(
      'name: slots\ntasks:\n  - { name: t, type: exec, targets: [all], strategy: { max_concurrency: 1 }, spec: { command: hostname } }\n',
      hosts,
    );
    const log: string[] = [];
    around(harness.store, 'claimHostAttempt', (claim) => async (input) => {
      log.push(`claim ${input.host}`);
      return claim(input);
    });
    around(harness.store, 'completeHostAttempt', (complete) => async (input) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const outcome = await complete(input);
      log.push(`stored ${input.claim.host}`);
      return outcome;
    });
    try {
      const { runId, shards } = await firstWave(harness, 'slots', 't');
      expect(shards).toHaveLength(1);

      // Act
      const outcome = await execShard(
        harness.deps,
        { runId, task: 't', wave: 0, shard: shards[0] ?? 0 },
        BUDGET,
      );

      // Assess: each next claim came before the previous result was stored…
      expect(outcome).toEqual({ done: true });
      const [first, second, third] = hosts.map((h) => h.name);
      expect(log.indexOf(`claim ${second}`)).toBeLessThan(log.indexOf(`stored ${first}`));
      expect(log.indexOf(`claim ${third}`)).toBeLessThan(log.indexOf(`stored ${second}`));
      // …and everything was stored and counted when the shard returned.
      expect(log.filter((line) => line.startsWith('stored'))).toHaveLength(hosts.length);
      const gate = await taskGate(harness.deps, { runId, task: 't', action: 'wave-done', wave: 0 });
      expect(gate).toEqual({ action: 'done', status: 'success' });
    } finally {
      await harness.close();
    }
  });

  it('fails the invocation when a result cannot be stored, after storing and counting the others', async () => {
    // Prepare: the store refuses the first host's result.
    const hosts = fleetHosts(fleet);
    const harness = await engineHarness(
      'name: refused\ntasks:\n  - { name: t, type: exec, targets: [all], strategy: { max_concurrency: 1 }, spec: { command: hostname } }\n',
      hosts,
    );
    const [first, ...others] = hosts.map((h) => h.name);
    around(harness.store, 'completeHostAttempt', (complete) => async (input) => {
      if (input.claim.host === first) throw new Error('store unavailable');
      return complete(input);
    });
    try {
      const { runId, shards } = await firstWave(harness, 'refused', 't');

      // Act
      const invocation = execShard(
        harness.deps,
        { runId, task: 't', wave: 0, shard: shards[0] ?? 0 },
        BUDGET,
      );

      // Assess
      await expect(invocation).rejects.toThrow('store unavailable');
      for (const host of others) {
        const record = await harness.store.getHostRecord({ runId, task: 't', host });
        expect(record, host).toMatchObject({ status: 'success', final: true });
      }
      const counts = await harness.store.getTaskCounts({ runId, task: 't' });
      expect(counts).toMatchObject({ total: hosts.length, finished: others.length, success: others.length });
    } finally {
      await harness.close();
    }
  });

  it('lets running hosts finish and be stored, and starts no more, when one host fails the invocation', async () => {
    // Prepare: two hosts at a time; the first host's claim fails while the second's command runs.
    const hosts = fleetHosts(fleet);
    const harness = await engineHarness(
      'name: halt\ntasks:\n  - { name: t, type: exec, targets: [all], strategy: { max_concurrency: 2 }, spec: { command: "sleep 1; hostname" } }\n',
      hosts,
    );
    const [first, second, third] = hosts.map((h) => h.name);
    const claimed: string[] = [];
    around(harness.store, 'claimHostAttempt', (claim) => async (input) => {
      claimed.push(input.host);
      if (input.host === first) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        throw new Error('store unavailable');
      }
      return claim(input);
    });
    try {
      const { runId, shards } = await firstWave(harness, 'halt', 't');

      // Act
      const invocation = execShard(
        harness.deps,
        { runId, task: 't', wave: 0, shard: shards[0] ?? 0 },
        BUDGET,
      );

      // Assess
      await expect(invocation).rejects.toThrow('store unavailable');
      expect(claimed).toEqual([first, second]);
      const record = await harness.store.getHostRecord({ runId, task: 't', host: second ?? '' });
      expect(record).toMatchObject({ status: 'success', final: true });
      expect(await harness.store.getHostRecord({ runId, task: 't', host: third ?? '' })).toBeNull();
      const counts = await harness.store.getTaskCounts({ runId, task: 't' });
      expect(counts).toMatchObject({ finished: 1, success: 1 });
    } finally {
      await harness.close();
    }
  });
});
