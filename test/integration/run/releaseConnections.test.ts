import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTaskGroup } from '../../../shared/compile/compileTaskGroup.js';
import { runStateMachine } from '../../../shared/engine/runStateMachine.js';
import { startRun } from '../../../shared/engine/startRun.js';
import type { ExecutionRequest, ExecutionResult } from '../../../shared/exec/HostExecutor.js';
import { SshThreadExecutor } from '../../../shared/exec/ssh/SshThreadExecutor.js';
import type { Host } from '../../../shared/inventory/Host.js';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/local/embeddedDynamo.js';
import { localRunner } from '../../../shared/local/localRunnerDeps.js';
import { AesGcmCipher, createTable, RunStore } from '../../../shared/store/index.js';
import { type Fleet, fleetHostLog, fleetHosts, startFleet } from '../../support/fleet.js';
import { parseTaskGroupText } from '../../support/parseTaskGroupText.js';

/** The SSH executor of local runs, noting in one log when each host runs a command and is released. */
class RecordingSsh extends SshThreadExecutor {
  readonly log: string[] = [];

  override async run(request: ExecutionRequest): Promise<ExecutionResult> {
    const result = await super.run(request);
    this.log.push(`ran ${request.host.name}`);
    return result;
  }

  override release(host: Host): void {
    this.log.push(`released ${host.name}`);
    super.release(host);
  }
}

/** `first` on every host, then `second` on `secondTargets`. */
function twoTasks(name: string, secondTargets: string) {
  return parseTaskGroupText(
    [
      `name: ${name}`,
      'tasks:',
      '  - { name: first, type: exec, targets: [all], spec: { command: hostname } }',
      `  - { name: second, type: exec, targets: ${secondTargets}, depends_on: [first], spec: { command: hostname } }`,
      '',
    ].join('\n'),
  );
}

describe('a local run closes each host connection after its last task', () => {
  let fleet: Fleet;
  let dynamo: EmbeddedDynamo;
  const runStore = () =>
    new RunStore({ client: dynamo.client, tableName: 'runs', cipher: new AesGcmCipher(randomBytes(32)) });

  beforeAll(async () => {
    fleet = await startFleet({ count: 3, logLevel: 'DEBUG' });
    dynamo = await startEmbeddedDynamo();
    await createTable(dynamo.client, 'runs');
  });

  afterAll(async () => {
    await dynamo?.stop();
    await fleet?.stop();
  });

  it('releases hosts that only the first task targets before the second task runs, and reuses the connection of a host both target', async () => {
    // Prepare: `first` on every host, then `second` on the first host only.
    const hosts = fleetHosts(fleet);
    const [shared, ...onlyFirst] = hosts.map((h) => h.name);
    const group = twoTasks('release', `[${shared}]`);
    const store = runStore();
    const ssh = new RecordingSsh();
    const runner = localRunner({
      store,
      entry: { group, source: 'release.yaml' },
      hosts,
      ssh,
      tasksPerHost: new Map([[shared ?? '', 2], ...onlyFirst.map((name) => [name, 1] as const)]),
    });

    try {
      // Act
      const { runId } = await startRun(runner.deps, { taskGroup: 'release' });
      const { status } = await runStateMachine(compileTaskGroup(group), runner.deps, runId);

      // Assess: the first task ran everywhere; each host ran only there was released at once…
      expect(status).toBe('succeeded');
      const secondRun = ssh.log.lastIndexOf(`ran ${shared}`);
      for (const name of onlyFirst) {
        expect(ssh.log.indexOf(`released ${name}`), name).toBeGreaterThan(ssh.log.indexOf(`ran ${name}`));
        expect(ssh.log.indexOf(`released ${name}`), name).toBeLessThan(secondRun);
      }
      // …and the host of both tasks once both had run, on one connection.
      expect(ssh.log.filter((line) => line === `ran ${shared}`)).toHaveLength(2);
      expect(ssh.log.indexOf(`released ${shared}`)).toBeGreaterThan(secondRun);
      expect((await fleetHostLog(fleet, 0)).match(/Accepted publickey/g)).toHaveLength(1);
    } finally {
      await runner.close();
    }
  });

  it('keeps at most `idleConnections` hosts connected between their tasks, and reconnects the others for the next', async () => {
    // Prepare: two tasks on every host, one connection kept between them.
    const hosts = fleetHosts(fleet);
    const names = hosts.map((h) => h.name);
    const group = twoTasks('keep-one', '[all]');
    const store = runStore();
    const ssh = new RecordingSsh();
    const logsBefore = await Promise.all(hosts.map((_, i) => fleetHostLog(fleet, i)));
    const runner = localRunner({
      store,
      entry: { group, source: 'keep-one.yaml' },
      hosts,
      ssh,
      tasksPerHost: new Map(names.map((name) => [name, 2] as const)),
      idleConnections: 1,
    });

    try {
      // Act
      const { runId } = await startRun(runner.deps, { taskGroup: 'keep-one' });
      const { status } = await runStateMachine(compileTaskGroup(group), runner.deps, runId);

      // Assess: every host ran both tasks; between them, all but one were released…
      expect(status).toBe('succeeded');
      const ranAt = ssh.log.flatMap((line, i) => (line.startsWith('ran ') ? [i] : []));
      const secondTaskFirstDone = ranAt[names.length] ?? ssh.log.length;
      const betweenTasks = ssh.log.slice(0, secondTaskFirstDone).filter((l) => l.startsWith('released '));
      expect(betweenTasks).toHaveLength(names.length - 1);
      for (const name of names) expect(ssh.log.filter((l) => l === `ran ${name}`)).toHaveLength(2);
      // …and those connected again: two logins on each released host, one on the host kept.
      const logins = await Promise.all(
        hosts.map(async (_, i) => {
          const added = (await fleetHostLog(fleet, i)).slice(logsBefore[i]?.length ?? 0);
          return added.match(/Accepted publickey/g)?.length ?? 0;
        }),
      );
      expect(logins.sort()).toEqual([1, ...Array(names.length - 1).fill(2)]);
    } finally {
      await runner.close();
    }
  });
});
