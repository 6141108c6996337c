import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimInput, RunStore } from '../../../shared/store/index.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { at, executionResult, newStore, sshHosts, theClaim } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const RUN = 'run-batch';

async function plannedStore(hosts = 30): Promise<RunStore> {
  const { store } = await newStore(db);
  await store.createRun({ runId: RUN, taskGroup: 'deploy-web', tasks: ['deploy'], now: at(0) });
  await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(hosts), shardSize: hosts });
  return store;
}

const claimInput = (host: string, overrides: Partial<ClaimInput> = {}): ClaimInput => ({
  runId: RUN,
  task: 'deploy',
  shard: 0,
  host,
  attempt: 1,
  leaseMs: 120_000,
  idempotent: false,
  now: at(1_000),
  ...overrides,
});

const output = (text: string) => executionResult({ stdout: { text, droppedBytes: 0 }, outputs: { v: text } });

describe('resultBatch', () => {
  it('stores final results of fresh claims 25 to a write, as completeHostAttempt would store them', async () => {
    // Prepare: 30 hosts claimed; web-30 is completed the one-by-one way, for comparison.
    const store = await plannedStore();
    const names = Array.from({ length: 30 }, (_, i) => `web-${i + 1}`);
    const claims = await Promise.all(
      names.map(async (n) => theClaim(await store.claimHostAttempt(claimInput(n)))),
    );
    const batch = store.resultBatch();

    // Act: 29 results go into the batch; the first 25 are written at once, 4 wait for flush().
    for (const [i, claim] of claims.slice(0, 29).entries()) {
      const outcome = await batch.add({ claim, result: output(`v${i + 1}`), final: true, now: at(2_000) });
      expect(outcome.kind).toBe('recorded');
    }
    const before = await store.getHostRecord({ runId: RUN, task: 'deploy', host: 'web-29' });
    await batch.flush();
    await store.completeHostAttempt({
      claim: claims[29] as never,
      result: output('v30'),
      final: true,
      now: at(2_000),
    });

    // Assess
    expect(before?.status).toBe('running');
    const records = await Promise.all(
      names.map((host) => store.getHostRecord({ runId: RUN, task: 'deploy', host })),
    );
    records.forEach((record, i) => {
      expect(record).toMatchObject({
        status: 'success',
        final: true,
        attempt: 1,
        shard: 0,
        host: `web-${i + 1}`,
      });
      expect(record?.outputs).toEqual({ v: `v${i + 1}` });
      expect(record?.stdout.text).toBe(`v${i + 1}`);
    });
    const { host: _h, outputs: _o, stdout: _s, ...batched } = records[0] ?? ({} as never);
    const { host: _h2, outputs: _o2, stdout: _s2, ...single } = records[29] ?? ({} as never);
    expect(batched).toEqual(single);
  });

  it('writes at once, with the claim checked, a result whose lease is nearly over or that is not final', async () => {
    // Prepare
    const store = await plannedStore(2);
    const late = theClaim(await store.claimHostAttempt(claimInput('web-1', { leaseMs: 40_000 })));
    const retried = theClaim(await store.claimHostAttempt(claimInput('web-2')));
    const batch = store.resultBatch();

    // Act: web-1 finishes with 20 s of lease left; web-2 fails and a retry follows.
    await batch.add({ claim: late, result: output('late'), final: true, now: at(21_000) });
    await batch.add({
      claim: retried,
      result: executionResult({ status: 'failed' }),
      final: false,
      now: at(2_000),
    });

    // Assess: both are stored before any flush.
    expect(await store.getHostRecord({ runId: RUN, task: 'deploy', host: 'web-1' })).toMatchObject({
      status: 'success',
      final: true,
    });
    expect(await store.getHostRecord({ runId: RUN, task: 'deploy', host: 'web-2' })).toMatchObject({
      status: 'failed',
      final: false,
    });
    await batch.flush();
  });
});
