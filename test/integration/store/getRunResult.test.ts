import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_HOST } from '../../../shared/inventory/Host.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { at, executionResult, newStore, sshHosts, theClaim } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const RUN = 'run-result';

describe('getRunResult', () => {
  it('assembles the DESIGN §5 result: tasks in group order, hosts in plan order, outputs per export and run outputs', async () => {
    // Prepare
    const { store } = await newStore(db);
    await store.createRun({
      runId: RUN,
      taskGroup: 'deploy-web',
      tasks: ['build', 'deploy', 'verify'],
      inputs: { version: '1.4.2' },
      now: at(0),
    });
    await store.putTaskPlan(RUN, 'build', {
      hosts: [LOCAL_HOST],
      shardSize: 1,
      exports: [{ name: 'artifact', scope: 'global' }],
    });
    await store.putTaskPlan(RUN, 'deploy', {
      hosts: sshHosts(12).slice(9),
      shardSize: 2,
      exports: [{ name: 'version' }],
    });
    const run = async (
      task: string,
      shard: number,
      host: string,
      result: ReturnType<typeof executionResult>,
    ) => {
      const claim = theClaim(
        await store.claimHostAttempt({
          runId: RUN,
          task,
          shard,
          host,
          attempt: 1,
          leaseMs: 60_000,
          idempotent: false,
        }),
      );
      await store.completeHostAttempt({ claim, final: true, result, now: at(9_000) });
    };
    await store.setTaskStatus({ runId: RUN, task: 'build', status: 'running', now: at(1_000) });
    await run('build', 0, 'local', executionResult({ outputs: { artifact: 'app-1.4.2.tgz' } }));
    await store.setTaskStatus({ runId: RUN, task: 'build', status: 'success', now: at(2_000) });
    await store.setTaskStatus({ runId: RUN, task: 'deploy', status: 'running', now: at(3_000) });
    await run('deploy', 0, 'web-10', executionResult({ outputs: { version: '1.4.2' }, durationMs: 812 }));
    await run(
      'deploy',
      1,
      'web-12',
      executionResult({
        status: 'failed',
        exitCode: 2,
        stderr: { text: 'x'.repeat(100_000), droppedBytes: 7 },
      }),
    );

    // Act
    const result = await store.getRunResult(RUN);

    // Assess
    expect(result).toMatchObject({
      id: RUN,
      taskGroup: 'deploy-web',
      status: 'running',
      startedAt: at(0).toISOString(),
      finishedAt: null,
      inputs: { version: '1.4.2' },
      outputs: { artifact: 'app-1.4.2.tgz' },
    });
    expect(Object.keys(result?.results ?? {})).toEqual(['build', 'deploy', 'verify']);
    expect(result?.results.build).toMatchObject({
      status: 'success',
      outputs: { artifact: { local: 'app-1.4.2.tgz' } },
    });
    expect(result?.results.verify).toEqual({ name: 'verify', status: 'pending', hosts: {}, outputs: {} });
    const deploy = result?.results.deploy;
    expect(deploy?.status).toBe('running');
    expect(Object.keys(deploy?.hosts ?? {})).toEqual(['web-10', 'web-11', 'web-12']);
    expect(deploy?.hosts['web-10']).toEqual({
      status: 'success',
      exitCode: 0,
      stdout: '',
      stderr: '',
      stdoutDroppedBytes: 0,
      stderrDroppedBytes: 0,
      startedAt: '2030-01-01T00:00:00.000Z',
      durationMs: 812,
      attempts: 1,
      error: null,
    });
    expect(deploy?.hosts['web-11']).toMatchObject({ status: 'pending', attempts: 0 });
    expect(deploy?.hosts['web-12']).toMatchObject({
      status: 'failed',
      exitCode: 2,
      error: 'host failed with failed',
    });
    expect(deploy?.hosts['web-12']?.stderr).toHaveLength(64 * 1024);
    expect(deploy?.hosts['web-12']?.stderrDroppedBytes).toBe(100_000 - 64 * 1024 + 7);
    expect(deploy?.outputs).toEqual({ version: { 'web-10': '1.4.2' } });
  });

  it('shows the final run and task statuses once they are set, the first decision winning', async () => {
    // Prepare
    const { store } = await newStore(db);
    await store.createRun({ runId: RUN, taskGroup: 'deploy-web', tasks: ['deploy'], now: at(0) });
    await store.setTaskStatus({ runId: RUN, task: 'deploy', status: 'running' });

    // Act
    const first = await store.setTaskStatus({
      runId: RUN,
      task: 'deploy',
      status: 'failed',
      reason: '2 of 3 hosts failed',
    });
    const second = await store.setTaskStatus({ runId: RUN, task: 'deploy', status: 'success' });
    const finished = await store.finishRun({ runId: RUN, status: 'failed', now: at(60_000) });
    const finishedAgain = await store.finishRun({ runId: RUN, status: 'succeeded' });
    const result = await store.getRunResult(RUN);

    // Assess
    expect(first).toEqual({ changed: true, status: 'failed' });
    expect(second).toEqual({ changed: false, status: 'failed' });
    expect(finished.changed).toBe(true);
    expect(finishedAgain).toMatchObject({ changed: false, run: { status: 'failed' } });
    expect(result).toMatchObject({
      status: 'failed',
      finishedAt: at(60_000).toISOString(),
      results: { deploy: { status: 'failed' } },
    });
  });

  it('returns null for a run it does not know', async () => {
    // Prepare
    const { store } = await newStore(db);

    // Act
    const result = await store.getRunResult('no-such-run');

    // Assess
    expect(result).toBeNull();
  });
});
