import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { at, newStore } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

describe('runs', () => {
  it('returns the first run for a repeated request with the same idempotency key', async () => {
    // Prepare
    const { store } = await newStore(db);
    const request = { taskGroup: 'deploy-web', tasks: ['deploy'], idempotencyKey: 'ci-build-4711' };
    await store.createRun({ ...request, runId: 'run-a' });

    // Act
    const repeated = await store.createRun({ ...request, runId: 'run-b' });
    const otherGroup = await store.createRun({ ...request, runId: 'run-c', taskGroup: 'backup-db' });

    // Assess
    expect(repeated).toEqual({ runId: 'run-a', created: false, conflict: false });
    expect(otherGroup).toEqual({ runId: 'run-c', created: true, conflict: false });
    expect(await store.getRun('run-b')).toBeNull();
  });

  it('reports a conflict when an idempotency key comes back with a different request', async () => {
    // Prepare
    const { store } = await newStore(db);
    const request = { taskGroup: 'deploy-web', tasks: ['deploy'], idempotencyKey: 'ci-build-4712' };
    await store.createRun({
      ...request,
      runId: 'run-d',
      requestFingerprint: 'sha256:aaa',
      targets: ['web-1'],
    });

    // Act
    const same = await store.createRun({ ...request, runId: 'run-e', requestFingerprint: 'sha256:aaa' });
    const different = await store.createRun({ ...request, runId: 'run-f', requestFingerprint: 'sha256:bbb' });

    // Assess
    expect(same).toEqual({ runId: 'run-d', created: false, conflict: false });
    expect(different).toEqual({ runId: 'run-d', created: false, conflict: true });
    expect((await store.getRun('run-d'))?.targets).toEqual(['web-1']);
    expect(await store.getRun('run-f')).toBeNull();
  });

  it('lists runs of one TaskGroup newest first, page by page, and all recent runs across groups', async () => {
    // Prepare
    const { store } = await newStore(db);
    for (let i = 1; i <= 5; i += 1) {
      await store.createRun({
        runId: `deploy-${i}`,
        taskGroup: 'deploy-web',
        tasks: ['deploy'],
        now: at(i * 1_000),
      });
      await store.createRun({
        runId: `backup-${i}`,
        taskGroup: 'backup-db',
        tasks: ['dump'],
        now: at(i * 1_000 + 500),
      });
    }

    // Act
    const firstPage = await store.listRuns({ taskGroup: 'deploy-web', limit: 3 });
    const secondPage = await store.listRuns({
      taskGroup: 'deploy-web',
      limit: 3,
      cursor: firstPage.cursor ?? undefined,
    });
    const recent = await store.listRuns({ limit: 4 });

    // Assess
    expect(firstPage.runs.map((run) => run.id)).toEqual(['deploy-5', 'deploy-4', 'deploy-3']);
    expect(secondPage.runs.map((run) => run.id)).toEqual(['deploy-2', 'deploy-1']);
    expect(recent.runs.map((run) => run.id)).toEqual(['backup-5', 'deploy-5', 'backup-4', 'deploy-4']);
    expect(recent.runs[0]).toEqual({
      id: 'backup-5',
      taskGroup: 'backup-db',
      status: 'running',
      startedAt: at(5_500).toISOString(),
      finishedAt: null,
      cancelRequested: false,
    });
  });

  it('flags a running run for cancellation and says when the run is over or unknown', async () => {
    // Prepare
    const { store } = await newStore(db);
    await store.createRun({ runId: 'run-live', taskGroup: 'deploy-web', tasks: ['deploy'] });
    await store.createRun({ runId: 'run-done', taskGroup: 'deploy-web', tasks: ['deploy'] });
    await store.finishRun({ runId: 'run-done', status: 'succeeded' });

    // Act
    const live = await store.requestCancel('run-live');
    const done = await store.requestCancel('run-done');
    const unknown = await store.requestCancel('run-nope');

    // Assess
    expect([live, done, unknown]).toEqual(['requested', 'not-running', 'not-found']);
    expect((await store.getRun('run-live'))?.cancelRequested).toBe(true);
  });

  it('rejects a cursor it did not hand out', async () => {
    // Prepare
    const { store } = await newStore(db);

    // Act
    const listing = store.listRuns({ cursor: 'bm90LWEtY3Vyc29y' });

    // Assess
    await expect(listing).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
