import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimInput, ClaimOutcome, RunStore } from '../../../shared/store/index.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { at, executionResult, newStore, sshHosts, theClaim } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const RUN = 'run-claims';
const LEASE_MS = 60_000;

async function plannedStore(): Promise<RunStore> {
  const { store } = await newStore(db);
  await store.createRun({ runId: RUN, taskGroup: 'deploy-web', tasks: ['deploy'], now: at(0) });
  await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(4), shardSize: 2 });
  return store;
}

function claimInput(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    runId: RUN,
    task: 'deploy',
    shard: 0,
    host: 'web-1',
    attempt: 1,
    leaseMs: LEASE_MS,
    idempotent: false,
    now: at(1_000),
    ...overrides,
  };
}

const kinds = (outcomes: readonly ClaimOutcome[]) => outcomes.map((outcome) => outcome.kind).sort();

describe('claimHostAttempt', () => {
  it('gives exactly one of 25 concurrent claims of the same host attempt the claim; the others see it in flight', async () => {
    // Prepare
    const store = await plannedStore();

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () => store.claimHostAttempt(claimInput())),
    );

    // Assess
    expect(outcomes.filter((outcome) => outcome.kind === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'in-flight')).toHaveLength(24);
  });

  it('gives every duplicated invocation the one stored result once the claim holder completes', async () => {
    // Prepare
    const store = await plannedStore();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => store.claimHostAttempt(claimInput())),
    );
    const claim = theClaim(...outcomes);

    // Act
    const waiters = outcomes
      .filter((outcome) => outcome.kind === 'in-flight')
      .map(() => store.waitForResult(claimInput({ now: undefined }), { timeoutMs: 5_000, pollMs: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.completeHostAttempt({
      claim,
      final: true,
      result: executionResult({ stdout: { text: 'deployed 1.4.2\n', droppedBytes: 0 } }),
      now: at(2_000),
    });
    const settled = await Promise.all(waiters);

    // Assess
    expect(settled).toHaveLength(9);
    for (const outcome of settled) {
      expect(outcome.kind).toBe('finished');
      if (outcome.kind === 'finished') {
        expect(outcome.record.status).toBe('success');
        expect(outcome.record.stdout.text).toBe('deployed 1.4.2\n');
      }
    }
    expect((await store.getTaskCounts({ runId: RUN, task: 'deploy' })).success).toBe(1);
  });

  it('returns the stored result instead of a claim when a retried invocation asks for a finished attempt', async () => {
    // Prepare
    const store = await plannedStore();
    const claim = theClaim(await store.claimHostAttempt(claimInput()));
    await store.completeHostAttempt({
      claim,
      final: true,
      result: executionResult({ status: 'failed', exitCode: 3 }),
    });

    // Act
    const again = await store.claimHostAttempt(claimInput({ now: at(500_000) }));

    // Assess
    expect(again.kind).toBe('finished');
    expect(again.kind === 'finished' && again.record.exitCode).toBe(3);
  });

  it('moves a claim whose lease expired to unknown exactly once when the task is not idempotent', async () => {
    // Prepare
    const store = await plannedStore();
    const original = theClaim(await store.claimHostAttempt(claimInput()));
    const afterLease = at(1_000 + LEASE_MS + 1);

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => store.claimHostAttempt(claimInput({ now: afterLease }))),
    );
    const late = await store.completeHostAttempt({ claim: original, final: true, result: executionResult() });

    // Assess
    expect(kinds(outcomes).filter((kind) => kind === 'lease-expired')).toHaveLength(1);
    expect(kinds(outcomes).filter((kind) => kind === 'claimed')).toHaveLength(0);
    for (const outcome of outcomes) {
      if (outcome.kind === 'in-flight' || outcome.kind === 'claimed') throw new Error(outcome.kind);
      expect(outcome.record.status).toBe('unknown');
      expect(outcome.record.error).toMatch(/may or may not have run/);
    }
    expect(late.kind).toBe('lost-claim');
    expect(late.record.status).toBe('unknown');
    const counts = await store.getTaskCounts({ runId: RUN, task: 'deploy' });
    expect(counts).toMatchObject({ unknown: 1, success: 0, finished: 1 });
  });

  it('lets exactly one caller re-claim an expired attempt of an idempotent task and drops the old holder', async () => {
    // Prepare
    const store = await plannedStore();
    const original = theClaim(await store.claimHostAttempt(claimInput({ idempotent: true })));
    const afterLease = at(1_000 + LEASE_MS + 1);

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        store.claimHostAttempt(claimInput({ idempotent: true, now: afterLease })),
      ),
    );
    const reclaim = theClaim(...outcomes);
    const stale = await store.completeHostAttempt({
      claim: original,
      final: true,
      result: executionResult({ status: 'failed' }),
    });
    const fresh = await store.completeHostAttempt({ claim: reclaim, final: true, result: executionResult() });

    // Assess
    expect(kinds(outcomes)).toEqual(['claimed', ...Array(11).fill('in-flight')]);
    expect(reclaim.reclaimed).toBe(true);
    expect(stale.kind).toBe('lost-claim');
    expect(fresh.kind).toBe('recorded');
    expect(await store.getTaskCounts({ runId: RUN, task: 'deploy' })).toMatchObject({
      success: 1,
      failed: 0,
      finished: 1,
    });
  });

  it('claims the next attempt only after a non-final failure and counts the host once, at its final attempt', async () => {
    // Prepare
    const store = await plannedStore();
    const first = theClaim(await store.claimHostAttempt(claimInput()));
    await store.completeHostAttempt({
      claim: first,
      final: false,
      result: executionResult({ status: 'failed' }),
    });
    const countsBetween = await store.getTaskCounts({ runId: RUN, task: 'deploy' });

    // Act
    const replayOfFirst = await store.claimHostAttempt(claimInput());
    const second = theClaim(await store.claimHostAttempt(claimInput({ attempt: 2 })));
    await store.completeHostAttempt({
      claim: second,
      final: true,
      result: executionResult({ status: 'timed_out' }),
    });
    const third = await store.claimHostAttempt(claimInput({ attempt: 3 }));

    // Assess
    expect(countsBetween.finished).toBe(0);
    expect(replayOfFirst.kind).toBe('finished');
    expect(third.kind).toBe('finished');
    expect(third.kind === 'finished' && third.record).toMatchObject({
      status: 'timed_out',
      attempt: 2,
      final: true,
    });
    expect(await store.getTaskCounts({ runId: RUN, task: 'deploy' })).toMatchObject({
      timed_out: 1,
      failed: 0,
      finished: 1,
    });
  });

  it('treats a repeated completion with the same claim as a duplicate and never counts it twice', async () => {
    // Prepare
    const store = await plannedStore();
    const claim = theClaim(await store.claimHostAttempt(claimInput()));
    const result = executionResult({ outputs: { version: '1.4.2' } });

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => store.completeHostAttempt({ claim, final: true, result })),
    );

    // Assess
    expect(outcomes.filter((outcome) => outcome.kind === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'duplicate')).toHaveLength(7);
    expect(await store.getTaskCounts({ runId: RUN, task: 'deploy' })).toMatchObject({
      success: 1,
      finished: 1,
    });
  });

  it('waitForResult returns in-flight when its bound passes while the holder is still running', async () => {
    // Prepare
    const store = await plannedStore();
    theClaim(await store.claimHostAttempt(claimInput({ now: undefined })));
    const started = Date.now();

    // Act
    const outcome = await store.waitForResult(claimInput({ now: undefined }), { timeoutMs: 150, pollMs: 30 });

    // Assess
    expect(outcome.kind).toBe('in-flight');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('waitForResult resolves a holder that vanished to unknown once its lease runs out', async () => {
    // Prepare
    const store = await plannedStore();
    theClaim(await store.claimHostAttempt(claimInput({ now: undefined, leaseMs: 100 })));

    // Act
    const outcome = await store.waitForResult(claimInput({ now: undefined }), {
      timeoutMs: 5_000,
      pollMs: 20,
    });

    // Assess
    expect(outcome.kind).toBe('lease-expired');
    expect(outcome.kind === 'lease-expired' && outcome.record.status).toBe('unknown');
  });

  it('rejects a host name that could break the key layout', async () => {
    // Prepare
    const store = await plannedStore();

    // Act
    const claiming = store.claimHostAttempt(claimInput({ host: 'web#1' }));

    // Assess
    await expect(claiming).rejects.toMatchObject({ name: 'RunStoreError', code: 'INVALID_ARGUMENT' });
  });
});
