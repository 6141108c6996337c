import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { type Fleet, fleetHost, fleetHostLog, startFleet } from '../../support/fleet.js';
import { execRequest } from '../../support/fleet-requests.js';
import { writeFleetInventory } from '../../support/fleetInventory.js';
import { runCli } from '../../support/runCli.js';

const ACCEPTED = /Accepted publickey/g;

/** How many connections each host of the fleet has authenticated so far. */
async function connectionsPerHost(fleet: Fleet): Promise<number[]> {
  const logs = await Promise.all(fleet.hosts.map((_, i) => fleetHostLog(fleet, i)));
  return logs.map((log) => log.match(ACCEPTED)?.length ?? 0);
}

describe('a local run connects to its first hosts while it sets itself up', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let taskGroup: string;

  beforeAll(async () => {
    fleet = await startFleet({ count: 4, logLevel: 'DEBUG' });
    dir = mkdtempSync(join(tmpdir(), 'stepfleet-early-'));
    inventory = writeFleetInventory(fleet, dir).file;
    taskGroup = join(dir, 'two.yaml');
    writeFileSync(
      taskGroup,
      [
        'name: two',
        'inputs: { greeting: { default: hi } }',
        'tasks:',
        '  - { name: first, type: exec, targets: [all], strategy: { max_concurrency: 2 }, spec: { command: hostname } }',
        '  - { name: second, type: exec, targets: [all], depends_on: [first], spec: { command: "echo ${{ inputs.greeting }}" } }',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a request it will not run without connecting to any host', async () => {
    // Act
    const result = await runCli([
      'run',
      taskGroup,
      '-i',
      inventory,
      '--input',
      'nope=1',
      '--state-dir',
      join(dir, 'state'),
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nope');
    expect(await connectionsPerHost(fleet)).toEqual([0, 0, 0, 0]);
  });

  it('uses one connection per host for the whole run, the early ones included', async () => {
    // Act
    const result = await runCli([
      'run',
      taskGroup,
      '-i',
      inventory,
      '--json',
      '--state-dir',
      join(dir, 'state'),
    ]);

    // Assess
    expect(result.code).toBe(0);
    const run = JSON.parse(result.stdout) as {
      results: Record<string, { hosts: Record<string, { stdout: string }> }>;
    };
    expect(Object.values(run.results.second?.hosts ?? {}).map((h) => h.stdout)).toEqual(
      Array(4).fill('hi\n'),
    );
    expect(await connectionsPerHost(fleet)).toEqual([1, 1, 1, 1]);
  });

  it('opens the connection on connect(), before any command, and the command then uses it', async () => {
    // Prepare
    const ssh = new SshExecutor();
    const before = await connectionsPerHost(fleet);

    try {
      // Act
      void ssh.connect(fleetHost(fleet, 0));
      await waitUntil(async () => (await connectionsPerHost(fleet))[0] === (before[0] ?? 0) + 1);
      const result = await ssh.run(execRequest(fleetHost(fleet, 0), 'hostname'));

      // Assess
      expect(result.stdout.text).toBe('fleet-1\n');
      expect(await connectionsPerHost(fleet)).toEqual([(before[0] ?? 0) + 1, ...before.slice(1)]);
    } finally {
      await ssh.close();
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
