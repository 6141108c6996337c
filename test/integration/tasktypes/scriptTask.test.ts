import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostExecutor } from '../../../shared/exec/HostExecutor.js';
import { LocalExecutor } from '../../../shared/exec/local/LocalExecutor.js';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { type Host, LOCAL_HOST } from '../../../shared/inventory/Host.js';
import { scriptTask } from '../../../shared/tasktypes/scriptTask.js';
import { type Fleet, fleetHost, startFleet } from '../../support/fleet.js';
import { uniqueSleepSeconds, untilNone } from '../../support/fleet-requests.js';
import { runnerContext } from './runnerContext.js';

type ScriptTask = Parameters<typeof scriptTask.run>[0];

/** Pids of processes whose command line contains `text` (the fleet's hosts share this machine's). */
async function processesMatching(text: string): Promise<number[]> {
  const found = await promisify(execFile)('pgrep', ['-f', text]).catch(() => ({ stdout: '' }));
  return found.stdout.split('\n').filter(Boolean).map(Number);
}

/** A script task whose copy of the script goes to `tmp` (mktemp honours TMPDIR). */
function scriptIn(tmp: string, inline: string, args: string[] = []): ScriptTask {
  return { name: 's', type: 'script', spec: { inline, args, env: { TMPDIR: tmp } } };
}

describe('script task on a real host', () => {
  let fleet: Fleet;
  let ssh: SshExecutor;
  const local = new LocalExecutor();
  let scratch: string;

  beforeAll(async () => {
    fleet = await startFleet({ count: 1 });
    ssh = new SshExecutor();
    scratch = await mkdtemp(join(tmpdir(), 'stepfleet-script-test-'));
  });

  afterAll(async () => {
    await ssh?.close();
    await fleet?.stop();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  const executors = (): [string, HostExecutor, Host][] => [
    ['over SSH', ssh, fleetHost(fleet, 0)],
    ['locally', local, LOCAL_HOST],
  ];

  it('runs the script with its arguments and interpreter, and leaves no copy of it', async () => {
    for (const [how, executor, host] of executors()) {
      // Prepare
      const tmp = await mkdtemp(join(scratch, 'ok-'));
      const task = scriptIn(tmp, 'printf "%s|" "$@"\nread -r line || echo "stdin at end"\nexit 3\n', [
        'a b',
        "it's",
      ]);

      // Act
      const result = await scriptTask.run(task, runnerContext({}, { host, executor }));

      // Assess
      expect(result.exitCode, how).toBe(3);
      expect(result.stdout.text, how).toBe("a b|it's|stdin at end\n");
      expect(await readdir(tmp), how).toEqual([]);
    }
  });

  it('leaves no copy of the script when a timeout kills it', async () => {
    for (const [how, executor, host] of executors()) {
      // Prepare: a script that outlives its timeout; its sleep is unique, to find any survivor.
      const tmp = await mkdtemp(join(scratch, 'killed-'));
      const seconds = uniqueSleepSeconds();
      const task = scriptIn(tmp, `echo started\nsleep ${seconds}\necho never\n`);

      // Act
      const result = await scriptTask.run(task, runnerContext({}, { host, executor, timeoutMs: 1_500 }));

      // Assess: killed, nothing of it left running, and no copy of it on disk.
      expect(result.status, how).toBe('timed_out');
      expect(result.stdout.text, how).toBe('started\n');
      expect(await untilNone(() => processesMatching(`sleep ${seconds}`)), how).toEqual([]);
      expect(await readdir(tmp), how).toEqual([]);
    }
  });
});
