import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SshThreadExecutor } from '../../../shared/exec/ssh/SshThreadExecutor.js';
import { type Fleet, fleetHost, fleetHosts, startFleet } from '../../support/fleet.js';
import { execRequest, uniqueSleepSeconds, untilNone } from '../../support/fleet-requests.js';

// Every thread the executor starts, so that a test can end one as a crash would.
const threads = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:worker_threads')>();
  class RecordedWorker extends original.Worker {
    constructor(...args: ConstructorParameters<typeof original.Worker>) {
      super(...args);
      threads.push(this);
    }
  }
  return { ...original, Worker: RecordedWorker };
});

describe('SshThreadExecutor against a real sshd fleet', () => {
  let fleet: Fleet;
  let ssh: SshThreadExecutor;

  beforeAll(async () => {
    fleet = await startFleet({ count: 3 });
    ssh = new SshThreadExecutor();
  });

  afterAll(async () => {
    await ssh?.close();
    await fleet?.stop();
  });

  it('runs in its thread with per-host exit codes, streams, outputs and environment', async () => {
    // Prepare
    const hosts = fleetHosts(fleet);
    const command = 'hostname; echo "err-$N" >&2; echo "twice=$((N * 2))" >> "$STEPFLEET_OUTPUT"; exit $N';

    // Act: connected ahead, then run.
    await Promise.all(hosts.map((host) => ssh.connect(host)));
    const results = await Promise.all(
      hosts.map((host, i) => ssh.run(execRequest(host, command, { env: { N: String(i) } }))),
    );

    // Assess
    expect(threads).toHaveLength(1);
    results.forEach((result, i) => {
      expect(result).toMatchObject({
        status: i === 0 ? 'success' : 'failed',
        exitCode: i,
        stdout: { text: `fleet-${i + 1}\n`, droppedBytes: 0 },
        stderr: { text: `err-${i}\n`, droppedBytes: 0 },
        outputs: { twice: String(i * 2) },
      });
    });
  });

  it('carries an abort into the thread: status cancelled and the remote process gone', async () => {
    // Prepare
    const seconds = uniqueSleepSeconds();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);

    // Act
    const result = await ssh.run(
      execRequest(fleetHost(fleet, 1), `sleep ${seconds}`, { timeoutMs: 60_000, signal: controller.signal }),
    );

    // Assess
    expect(result.status).toBe('cancelled');
    expect(await untilNone(() => fleet.processesMatching(1, `sleep ${seconds}`))).toEqual([]);
  });

  it('can be started ahead and closed unused: then its thread ends', async () => {
    // Prepare
    const ahead = new SshThreadExecutor();
    ahead.start();
    const thread = threads.at(-1);
    const exited = new Promise((resolve) => thread?.once('exit', resolve));

    // Act
    await ahead.close();

    // Assess
    expect(thread).not.toBe(threads[0]);
    await exited;
  });

  it('ends an execution whose thread died as failed, saying so, and starts a new thread for the next', async () => {
    // Prepare
    const seconds = uniqueSleepSeconds();
    const host = fleetHost(fleet, 2);
    const running = ssh.run(execRequest(host, `sleep ${seconds}`, { timeoutMs: 60_000 }));
    await vi.waitFor(async () =>
      expect(await fleet.processesMatching(2, `sleep ${seconds}`)).not.toEqual([]),
    );

    // Act
    await threads[0]?.terminate();
    const lost = await running;
    const next = await ssh.run(execRequest(host, 'hostname'));

    // Assess
    expect(lost).toMatchObject({ status: 'failed', exitCode: null });
    expect(lost.error).toBe(
      'the SSH thread stopped while running on fleet-3: the command may have run, and how it ended is unknown',
    );
    expect(next).toMatchObject({ status: 'success', stdout: { text: 'fleet-3\n' } });
    expect(threads).toHaveLength(3);
    // The dead thread could not stop its command (what the error warns of): this test does.
    for (const pid of await fleet.processesMatching(2, `sleep ${seconds}`)) process.kill(pid);
  });
});
