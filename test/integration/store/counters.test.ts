import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../../../shared/exec/HostExecutor.js';
import type { TaskCounts } from '../../../shared/store/index.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { executionResult, newStore, sshHosts, theClaim } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const RUN = 'run-counts';
const LEASE_MS = 60_000;

/** A deterministic mix of outcomes over host indexes. */
function statusOf(index: number): ExecutionStatus {
  if (index % 10 === 3) return 'failed';
  if (index % 25 === 7) return 'timed_out';
  if (index % 40 === 11) return 'unreachable';
  return 'success';
}

function expectedCounts(indexes: readonly number[]): TaskCounts {
  const counts: TaskCounts = {
    total: indexes.length,
    finished: indexes.length,
    success: 0,
    failed: 0,
    timed_out: 0,
    unreachable: 0,
    cancelled: 0,
    skipped: 0,
    unknown: 0,
  };
  for (const index of indexes) counts[statusOf(index)] += 1;
  return counts;
}

describe('task counters', () => {
  it('stay exact per task and per wave when 200 hosts complete in parallel, duplicates included', async () => {
    // Prepare
    const { store } = await newStore(db);
    const hosts = sshHosts(200);
    const plan = await store.putTaskPlan(RUN, 'deploy', { hosts, shardSize: 10, waveSize: 50 });
    const shardOf = (index: number) => Math.floor(index / 10);

    // Act
    await Promise.all(
      hosts.map(async (host, index) => {
        const ref = { runId: RUN, task: 'deploy', shard: shardOf(index), host: host.name };
        const claims = await Promise.all(
          Array.from({ length: index % 9 === 0 ? 2 : 1 }, () =>
            store.claimHostAttempt({ ...ref, attempt: 1, leaseMs: LEASE_MS, idempotent: false }),
          ),
        );
        const claim = theClaim(...claims);
        const result = executionResult({ status: statusOf(index) });
        const copies = index % 5 === 0 ? 3 : 1;
        await Promise.all(
          Array.from({ length: copies }, () => store.completeHostAttempt({ claim, final: true, result })),
        );
      }),
    );
    const task = await store.getTaskCounts({ runId: RUN, task: 'deploy' });
    const waves = await Promise.all(
      plan.waves.map((wave) => store.getTaskCounts({ runId: RUN, task: 'deploy', wave: wave.wave })),
    );

    // Assess
    const all = hosts.map((_, index) => index);
    expect(task).toEqual(expectedCounts(all));
    expect(task.failed).toBeGreaterThan(0);
    expect(waves).toHaveLength(4);
    waves.forEach((counts, wave) => {
      expect(counts).toEqual(expectedCounts(all.slice(wave * 50, wave * 50 + 50)));
    });
  });

  it('counts deferred results in batches exactly once, also when some hosts were counted already', async () => {
    // Prepare: 100 hosts in one shard, recorded without counting; 7 of them then healed one by one
    // (as a claim that finds a final record does), before the batch count comes.
    const { store } = await newStore(db);
    const run = 'run-batch-count';
    const hosts = sshHosts(100);
    await store.putTaskPlan(run, 'deploy', { hosts, shardSize: 100 });
    const recorded: { host: string; status: ExecutionStatus }[] = [];
    for (const [index, host] of hosts.entries()) {
      const ref = { runId: run, task: 'deploy', shard: 0, host: host.name };
      const claim = theClaim(
        await store.claimHostAttempt({ ...ref, attempt: 1, leaseMs: LEASE_MS, idempotent: false }),
      );
      await store.completeHostAttempt({
        claim,
        final: true,
        result: executionResult({ status: statusOf(index) }),
        deferCount: true,
      });
      recorded.push({ host: host.name, status: statusOf(index) });
    }
    const uncounted = await store.getTaskCounts({ runId: run, task: 'deploy' });
    for (const index of [0, 13, 41, 42, 77, 98, 99]) {
      const host = hosts[index]?.name as string;
      await store.claimHostAttempt({
        runId: run,
        task: 'deploy',
        shard: 0,
        host,
        attempt: 1,
        leaseMs: LEASE_MS,
        idempotent: false,
      });
    }

    // Act: the batch count, twice (a retried invocation repeats it)
    await store.countFinalHosts({ runId: run, task: 'deploy', shard: 0, hosts: recorded });
    await store.countFinalHosts({ runId: run, task: 'deploy', shard: 0, hosts: recorded });

    // Assess
    expect(uncounted.finished).toBe(0);
    expect(await store.getTaskCounts({ runId: run, task: 'deploy' })).toEqual(
      expectedCounts(hosts.map((_, i) => i)),
    );
  });

  it('counts a completion interrupted before its counter update once, when the retried call repeats it', async () => {
    // Prepare: a client that fails the first counter update, as if the Lambda died right after the host write
    const client = db.createClient();
    let failNextCount = true;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Key?: unknown };
        if (failNextCount && JSON.stringify(input.Key ?? '').includes('COUNT#')) {
          failNextCount = false;
          throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'interruptCounting' },
    );
    const { store } = await newStore(db, { client });
    await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(2), shardSize: 2 });
    const claim = theClaim(
      await store.claimHostAttempt({
        runId: RUN,
        task: 'deploy',
        shard: 0,
        host: 'web-1',
        attempt: 1,
        leaseMs: LEASE_MS,
        idempotent: false,
      }),
    );
    const result = executionResult({ status: 'failed' });
    await expect(store.completeHostAttempt({ claim, final: true, result })).rejects.toThrow(
      'connection reset',
    );
    const interrupted = await store.getTaskCounts({ runId: RUN, task: 'deploy' });

    // Act
    const retried = await store.completeHostAttempt({ claim, final: true, result });
    const retriedAgain = await store.completeHostAttempt({ claim, final: true, result });

    // Assess
    expect(interrupted.failed).toBe(0);
    expect(retried.kind).toBe('duplicate');
    expect(retriedAgain.kind).toBe('duplicate');
    expect(await store.getTaskCounts({ runId: RUN, task: 'deploy' })).toMatchObject({
      failed: 1,
      finished: 1,
    });
  });

  it('closes a wave that will not run: never-claimed hosts skipped, last non-final failure kept, live claims left alone', async () => {
    // Prepare
    const { store } = await newStore(db);
    await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(5), shardSize: 5 });
    const ref = { runId: RUN, task: 'deploy', shard: 0, attempt: 1, leaseMs: LEASE_MS, idempotent: false };
    const failedOnce = theClaim(await store.claimHostAttempt({ ...ref, host: 'web-1' }));
    await store.completeHostAttempt({
      claim: failedOnce,
      final: false,
      result: executionResult({ status: 'failed' }),
    });
    theClaim(await store.claimHostAttempt({ ...ref, host: 'web-2' }));
    theClaim(
      await store.claimHostAttempt({ ...ref, host: 'web-3', leaseMs: 1, now: new Date(Date.now() - 10_000) }),
    );

    // Act
    const summary = await store.markSkipped({
      runId: RUN,
      task: 'deploy',
      shard: 0,
      reason: 'task "build" failed',
    });
    const repeated = await store.markSkipped({ runId: RUN, task: 'deploy', shard: 0 });

    // Assess
    expect(summary).toEqual({ marked: 2, finalized: 2, untouched: 1 });
    expect(repeated).toEqual({ marked: 0, finalized: 0, untouched: 5 });
    expect(await store.getTaskCounts({ runId: RUN, task: 'deploy' })).toMatchObject({
      total: 5,
      finished: 4,
      skipped: 2,
      failed: 1,
      unknown: 1,
    });
    expect(await store.getHostRecord({ runId: RUN, task: 'deploy', host: 'web-4' })).toMatchObject({
      status: 'skipped',
      final: true,
      error: 'task "build" failed',
    });
  });

  it('marks the listed hosts of a cancelled run cancelled and no others', async () => {
    // Prepare
    const { store } = await newStore(db);
    await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(4), shardSize: 2 });

    // Act
    const summary = await store.markCancelled({ runId: RUN, task: 'deploy', shard: 1, hosts: ['web-4'] });

    // Assess
    expect(summary.marked).toBe(1);
    expect(await store.getTaskCounts({ runId: RUN, task: 'deploy' })).toMatchObject({
      cancelled: 1,
      finished: 1,
    });
    expect(await store.getHostRecord({ runId: RUN, task: 'deploy', host: 'web-3' })).toBeNull();
  });
});
