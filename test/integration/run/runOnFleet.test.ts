import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../shared/store/types.js';
import { type Fleet, startFleet } from '../../support/fleet.js';
import { writeFleetInventory } from '../../support/fleetInventory.js';
import { runCli } from '../../support/runCli.js';

const ROOT = join(import.meta.dirname, '../../..');
const HOSTS = 20;
let fleet: Fleet;
let dir: string;
let inventory: string;
let names: string[];
let http: Server;
let httpUrl: string;

beforeAll(async () => {
  fleet = await startFleet({ count: HOSTS });
  dir = mkdtempSync(join(tmpdir(), 'stepfleet-run-'));
  ({ file: inventory, names } = writeFleetInventory(fleet, dir));
  http = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: '2.7.1', path: req.url }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/health`;
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function runJson(
  file: string,
  extra: string[] = [],
): Promise<{ code: number | null; result: RunResult; stderr: string }> {
  const out = await runCli([
    'run',
    file,
    '-i',
    inventory,
    '--json',
    '--state-dir',
    join(dir, 'state'),
    ...extra,
  ]);
  return { code: out.code, result: JSON.parse(out.stdout) as RunResult, stderr: out.stderr };
}

function hostStatuses(result: RunResult, task: string): string[] {
  return Object.values(result.results[task]?.hosts ?? {}).map((h) => h.status);
}

describe('stepfleet run on a fleet of 20 real sshd hosts', () => {
  it('gathers facts from every host and checks disk in rolling waves (examples/fleet-facts.yaml)', async () => {
    const { code, result } = await runJson(join(ROOT, 'examples/fleet-facts.yaml'));
    expect(code).toBe(0);
    expect(result.status).toBe('succeeded');
    const facts = result.results.facts;
    expect(Object.keys(facts?.hosts ?? {}).sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) {
      // Each host answers with its own kernel hostname (its own UTS namespace).
      expect(facts?.outputs.hostname?.[name]).toBe(fleet.hosts[i]?.hostname);
      expect(Number(result.results.disk?.outputs.free_kb?.[name])).toBeGreaterThan(0);
    }
    expect(hostStatuses(result, 'disk')).toEqual(Array(HOSTS).fill('success'));
  });

  it('prints live progress lines and a summary table, and keeps the run for runs show', async () => {
    const printed = await runCli([
      'run',
      join(ROOT, 'test/fixtures/compile/diamond.yaml'),
      '-i',
      inventory,
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/left\s+success\s+pending 0\s+running 0\s+ok 10\s+failed 0/);
    expect(printed.stdout).toMatch(/│ right\s+│ success │ 10\s+│ 10\s+│ 0\s+│ 0/);
    const runId = /run ([0-9a-f-]{36}) succeeded/.exec(printed.stdout)?.[1];
    expect(runId).toBeDefined();
    const shown = await runCli([
      'runs',
      'show',
      runId as string,
      '--json',
      '--state-dir',
      join(dir, 'state'),
    ]);
    const stored = JSON.parse(shown.stdout) as RunResult;
    expect(stored.status).toBe('succeeded');
    expect(hostStatuses(stored, 'left')).toEqual(Array(10).fill('success'));
    expect(Object.keys(stored.results.join?.hosts ?? {})).toEqual(['local']);
  });

  it.each([
    ['chain.yaml', 0, { a: 'success', b: 'success', c: 'success' }],
    ['two-chains.yaml', 0, { a1: 'success', a2: 'success', b1: 'success', b2: 'success', b3: 'success' }],
    ['n-shape.yaml', 0, { a: 'success', b: 'success', c: 'success', d: 'success' }],
    ['rolling.yaml', 0, { restart: 'success', verify: 'success' }],
    ['limited.yaml', 0, { 'one-at-a-time': 'success', 'three-at-once': 'success', wide: 'success' }],
    [
      'continue-on-failure.yaml',
      1,
      { flaky: 'failed', 'after-flaky': 'skipped', independent: 'success', 'after-independent': 'success' },
    ],
    ['retries.yaml', 1, { fetch: 'failed', use: 'skipped' }],
  ])('runs test/fixtures/compile/%s end to end', async (fixture, exit, statuses) => {
    const { code, result } = await runJson(join(ROOT, 'test/fixtures/compile', fixture));
    // What went wrong on which host, should the statuses not be the expected ones.
    const problems = Object.entries(result.results).flatMap(([name, task]) =>
      Object.entries(task.hosts)
        .filter(([, host]) => host.error)
        .map(([host, { status, error }]) => `${name} on ${host}: ${status}: ${error}`),
    );
    expect(code, problems.join('\n')).toBe(exit);
    expect(
      Object.fromEntries(Object.entries(result.results).map(([name, task]) => [name, task.status])),
      problems.join('\n'),
    ).toEqual(statuses);
    for (const task of Object.values(result.results)) {
      for (const host of Object.values(task.hosts))
        expect(['success', 'failed', 'skipped', 'unreachable']).toContain(host.status);
    }
    if (fixture === 'retries.yaml') expect(result.results.fetch?.hosts.local?.attempts).toBe(3);
  });

  it('runs a script file on the web hosts (examples/restart-script.yaml)', async () => {
    const { code, result } = await runJson(join(ROOT, 'examples/restart-script.yaml'));
    expect(code).toBe(0);
    const hosts = result.results.restart?.hosts ?? {};
    expect(Object.keys(hosts)).toHaveLength(HOSTS / 2);
    for (const host of Object.values(hosts)) expect(host.stdout).toMatch(/nothing to restart|restarted web/);
  });

  it('probes a local HTTP service and passes the value to the web hosts (examples/health-check.yaml)', async () => {
    const { code, result } = await runJson(join(ROOT, 'examples/health-check.yaml'), [
      '--input',
      `url=${httpUrl}`,
    ]);
    expect(code).toBe(0);
    expect(result.outputs.version).toBe('2.7.1');
    for (const host of Object.values(result.results.report?.hosts ?? {}))
      expect(host.stdout).toContain('sees service version 2.7.1');
  });

  it('runs the examples/hello.yaml on the local machine with no inventory', async () => {
    const out = await runCli([
      'run',
      join(ROOT, 'examples/hello.yaml'),
      '--json',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(out.code).toBe(0);
    expect((JSON.parse(out.stdout) as RunResult).results.reply?.hosts.local?.stdout).toContain(
      'got hello-world from greet',
    );
  });

  it('overrides targets with --target and refuses a selector that matches nothing', async () => {
    const { code, result } = await runJson(join(ROOT, 'test/fixtures/compile/chain.yaml'), [
      '--target',
      'db-1',
      '--target',
      'web-2',
    ]);
    expect(code).toBe(0);
    expect(Object.keys(result.results.a?.hosts ?? {})).toEqual(['db-1', 'web-2']);
    const refused = await runCli([
      'run',
      join(ROOT, 'test/fixtures/compile/chain.yaml'),
      '-i',
      inventory,
      '--target',
      'cache-*',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('selector "cache-*" of task "a" matches no host');
  });

  it('reruns only the failed hosts of a failed task, and what depends on it, with the original inputs', async () => {
    // Prepare: two hosts fail while a marker file named after them exists (hosts share /tmp).
    const flag = join(dir, `fail-${process.pid}`);
    const file = join(dir, 'flaky.yaml');
    writeFileSync(
      file,
      [
        'name: flaky-fleet',
        'inputs: { tag: { default: none } }',
        'tasks:',
        '  - { name: prepare, type: exec, targets: [local], spec: { command: \'echo "stamp=ok" >> "$STEPFLEET_OUTPUT"\' }, exports: [{ name: stamp }] }',
        `  - { name: check, type: exec, depends_on: [prepare], targets: [all], imports: [{ from: prepare, variable: stamp }], spec: { command: 'test ! -e ${flag}-$(hostname) && echo "$STAMP \${{ inputs.tag }}"' } }`,
        '  - { name: after, type: exec, depends_on: [check], targets: ["tag:web"], spec: { command: hostname } }',
        '',
      ].join('\n'),
    );
    const failing = [fleet.hosts[2], fleet.hosts[13]].map((h) => h?.hostname as string);
    for (const name of failing) writeFileSync(`${flag}-${name}`, '');
    const state = join(dir, 'rerun-state');
    const first = await runCli([
      'run',
      file,
      '-i',
      inventory,
      '--input',
      'tag=v7',
      '--json',
      '--state-dir',
      state,
    ]);
    expect(first.code).toBe(1);
    const failed = JSON.parse(first.stdout) as RunResult;
    expect(
      Object.values(failed.results.check?.hosts ?? {}).filter((h) => h.status === 'failed'),
    ).toHaveLength(2);
    expect(failed.results.after?.status).toBe('skipped');
    for (const name of failing) rmSync(`${flag}-${name}`);
    // Act
    const again = await runCli(['rerun', failed.id, '--failed', '--json', '--state-dir', state]);
    // Assess
    expect(again.code).toBe(0);
    const rerun = JSON.parse(again.stdout) as RunResult;
    expect(rerun.status).toBe('succeeded');
    expect(rerun.inputs.tag).toBe('v7');
    expect(rerun.results.prepare?.status).toBe('success');
    expect(Object.keys(rerun.results.prepare?.hosts ?? {})).toEqual([]);
    expect(Object.keys(rerun.results.check?.hosts ?? {}).sort()).toEqual([names[2], names[13]].sort());
    for (const host of Object.values(rerun.results.check?.hosts ?? {})) expect(host.stdout).toBe('ok v7\n');
    expect(Object.keys(rerun.results.after?.hosts ?? {})).toHaveLength(HOSTS / 2);
  });

  it('cancels on Ctrl-C: every host ends cancelled, stored, and nothing is left running on the hosts', async () => {
    // Prepare
    const file = join(dir, 'long.yaml');
    writeFileSync(
      file,
      'name: long\ntasks:\n  - { name: wait, type: exec, targets: [all], timeout: 1m, spec: { command: "sleep 30" } }\n  - { name: after, type: exec, depends_on: [wait], targets: [all], spec: { command: "true" } }\n',
    );
    const events = join(dir, 'events.jsonl');
    const { child, stdout, exited } = spawnRun(file, events, join(dir, 'cancel-state'));
    await waitFor(() => countRunning(events) >= HOSTS, 30_000);
    // Act
    child.kill('SIGINT');
    const code = await exited;
    // Assess
    expect(code).toBe(130);
    const result = JSON.parse(stdout()) as RunResult;
    expect(result.status).toBe('cancelled');
    expect(hostStatuses(result, 'wait')).toEqual(Array(HOSTS).fill('cancelled'));
    expect(hostStatuses(result, 'after')).toEqual(Array(HOSTS).fill('cancelled'));
    for (let i = 0; i < HOSTS; i++) expect(await fleet.processesMatching(i, 'sleep 30')).toEqual([]);
  });

  it('keeps every other result when one host dies mid-run', async () => {
    // Prepare
    const file = join(dir, 'die.yaml');
    writeFileSync(
      file,
      'name: die\ntasks:\n  - { name: slow, type: exec, targets: [all], strategy: { tolerated_failures: 1 }, timeout: 1m, spec: { command: "sleep 3; hostname" } }\n',
    );
    const events = join(dir, 'die-events.jsonl');
    const { stdout, exited } = spawnRun(file, events, join(dir, 'die-state'));
    await waitFor(() => countRunning(events) >= HOSTS, 30_000);
    // Act
    await fleet.killHost(4);
    const code = await exited;
    // Assess
    expect(code).toBe(0);
    const result = JSON.parse(stdout()) as RunResult;
    const hosts = result.results.slow?.hosts ?? {};
    expect(Object.keys(hosts)).toHaveLength(HOSTS);
    expect(['failed', 'unreachable']).toContain(hosts[names[4] as string]?.status);
    for (const [i, name] of names.entries()) {
      if (i !== 4) expect(hosts[name]?.stdout.trim()).toBe(fleet.hosts[i]?.hostname);
    }
  });
});

/** Starts `stepfleet run --json` on the fleet in the background, streaming events to `events`. */
function spawnRun(file: string, events: string, stateDir: string) {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'cli/stepfleet.js'),
      'run',
      file,
      '-i',
      inventory,
      '--json',
      '--events',
      events,
      '--state-dir',
      stateDir,
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, stdout: () => stdout, exited };
}

function countRunning(file: string): number {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"kind":"host"') && line.includes('"status":"running"')).length;
  } catch {
    return 0;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
