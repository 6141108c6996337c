import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrapCommand,
  cleanupCommand,
  jobHeader,
  killCommand,
} from '../../../shared/exec/ssh/remoteCommands.js';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { type Fleet, fleetHost, fleetHosts, startFleet } from '../../support/fleet.js';
import { execRequest, uniqueSleepSeconds, untilNone } from '../../support/fleet-requests.js';
import { hostileString } from '../../support/hostileString.js';

const run = promisify(execFile);

describe('SshExecutor against a real sshd fleet', () => {
  let fleet: Fleet;
  let ssh: SshExecutor;
  let scratch: string;

  beforeAll(async () => {
    fleet = await startFleet({ count: 20 });
    ssh = new SshExecutor();
    scratch = await mkdtemp(join(tmpdir(), 'stepfleet-ssh-test-'));
  });

  afterAll(async () => {
    await ssh?.close();
    await fleet?.stop();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('runs on 20 hosts at once with per-host exit codes, streams, outputs and environment', async () => {
    // Prepare
    const hosts = fleetHosts(fleet);
    const command = [
      'hostname',
      'echo "index=$HOST_INDEX"',
      'echo "err-$HOST_INDEX" >&2',
      'echo "host=$(hostname)" >> "$STEPFLEET_OUTPUT"',
      'echo "double=$((HOST_INDEX * 2))" >> "$STEPFLEET_OUTPUT"',
      'exit $((HOST_INDEX % 3))',
    ].join('\n');

    // Act
    const results = await Promise.all(
      hosts.map((host, i) => ssh.run(execRequest(host, command, { env: { HOST_INDEX: String(i) } }))),
    );

    // Assess
    results.forEach((result, i) => {
      const expectedCode = i % 3;
      expect(result.exitCode, `host ${i}`).toBe(expectedCode);
      expect(result.status).toBe(expectedCode === 0 ? 'success' : 'failed');
      expect(result.signal).toBeNull();
      expect(result.stdout.text).toBe(`fleet-${i + 1}\nindex=${i}\n`);
      expect(result.stderr.text).toBe(`err-${i}\n`);
      expect(result.outputs).toEqual({ host: `fleet-${i + 1}`, double: String(i * 2) });
      if (expectedCode === 0) expect(result.error).toBeNull();
      else expect(result.error).toBe(`fleet-${i + 1}: exited with code ${expectedCode}`);
    });
    // Each execution's files (pgid, output file) are gone afterwards.
    expect((await Promise.all(fleet.hosts.map((h) => readdir(h.tmpDir)))).flat()).toEqual([]);
  });

  it('reuses one connection per host across requests', async () => {
    // Prepare
    const host = fleetHost(fleet, 0);
    // The sshd session of a reused connection keeps its parent: the connection's own sshd process.
    const parentPid = 'ps -o ppid= -p $(ps -o ppid= -p $$)';

    // Act
    const first = await ssh.run(execRequest(host, parentPid));
    const second = await ssh.run(execRequest(host, parentPid));

    // Assess
    expect(first.status).toBe('success');
    expect(second.stdout.text).toBe(first.stdout.text);
  });

  it('passes stdin, workdir, shell and multi-line outputs', async () => {
    // Prepare
    const host = fleetHost(fleet, 1);
    const command = [
      'pwd',
      'cat',
      'echo "$0"',
      'printf "notes<<END_OF_NOTES\\nline 1\\nline=2\\nEND_OF_NOTES\\n" >> "$STEPFLEET_OUTPUT"',
      'echo "empty=" >> "$STEPFLEET_OUTPUT"',
    ].join('\n');

    // Act
    const result = await ssh.run(
      execRequest(host, command, { stdin: 'first\nsecond\n', workdir: '/usr/share', shell: 'bash' }),
    );

    // Assess
    expect(result.status).toBe('success');
    expect(result.stdout.text).toBe('/usr/share\nfirst\nsecond\nbash\n');
    expect(result.outputs).toEqual({ notes: 'line 1\nline=2', empty: '' });
  });

  it("runs the command under the session's own umask, with no arguments, and keeps the wrapper's files private", async () => {
    // Prepare: OpenSSH's own client says what a plain session's umask is.
    const host = fleetHost(fleet, 3);
    const { stdout: sessionUmask } = await run('ssh', [
      ...['-i', fleet.clientIdentityFile, '-o', `UserKnownHostsFile=${fleet.knownHostsFile}`],
      ...['-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${host.address}`, 'umask'],
    ]);
    const command = 'umask; ls -l "$STEPFLEET_OUTPUT" | cut -c1-10; echo "args=$#"';

    // Act
    const result = await ssh.run(execRequest(host, command));

    // Assess
    expect(sessionUmask).toMatch(/^[0-7]{4}\n$/);
    expect(result.stdout.text).toBe(`${sessionUmask}-rw-------\nargs=0\n`);
  });

  it('creates no file on the host when the caller collects no outputs, and one private file when it does', async () => {
    // Prepare: the command lists the execution's files while it runs.
    const host = fleetHost(fleet, 7);
    const command = 'ls -A "$TMPDIR"; echo "v=1" >> "$STEPFLEET_OUTPUT"';

    // Act
    const without = await ssh.run(execRequest(host, command, { collectOutputs: false }));
    const withOutputs = await ssh.run(execRequest(host, command));

    // Assess
    expect(without.stdout.text).toBe('');
    expect(without.outputs).toEqual({});
    expect(withOutputs.stdout.text).toMatch(/^stepfleet-[0-9a-f]{32}\.output\n$/);
    expect(withOutputs.outputs).toEqual({ v: '1' });
    expect(await readdir(fleet.hosts[7]?.tmpDir ?? '/')).toEqual([]);
  });

  it('cleans up an uncollected output file the command replaced, and names it on no command line', async () => {
    // Prepare: outputs written the atomic way (a file moved into place); the wrapper's command
    // line, as `ps` shows it to every user of the host, must not reveal the file's name.
    const host = fleetHost(fleet, 9);
    const command =
      'ps -o args= -p $PPID | grep -c "[0-9a-f]\\{32\\}"; echo v=2 > "$TMPDIR/t"; mv "$TMPDIR/t" "$STEPFLEET_OUTPUT"';

    // Act
    const result = await ssh.run(execRequest(host, command, { collectOutputs: false }));

    // Assess
    expect(result.status).toBe('success');
    expect(result.stdout.text).toBe('0\n');
    expect(await readdir(fleet.hosts[9]?.tmpDir ?? '/')).toEqual([]);
  });

  it('runs nothing when the kill reached the host before the command started', async () => {
    // Prepare: the kill side finds no process group yet, so it leaves a mark for the bootstrap.
    const host = fleetHost(fleet, 8);
    const id = 'feedc0de'.repeat(4);
    const marker = join(scratch, 'late-start-ran');
    const sshArgs = [
      ...['-i', fleet.clientIdentityFile, '-o', `UserKnownHostsFile=${fleet.knownHostsFile}`],
      ...['-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${host.address}`],
    ];
    await run('ssh', [...sshArgs, killCommand(id, undefined)]);

    // Act: the bootstrap starts late, with a job that would leave a file behind.
    const bootstrap = spawn('ssh', [...sshArgs, bootstrapCommand()], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    bootstrap.stdin.end(jobHeader(execRequest(host, `touch ${marker}`), id, 1024));
    const code = await new Promise((resolve) => bootstrap.on('close', resolve));
    await run('ssh', [...sshArgs, cleanupCommand(id, true)]);

    // Assess
    expect(code).toBe(125);
    expect(existsSync(marker)).toBe(false);
    expect(await readdir(fleet.hosts[8]?.tmpDir ?? '/')).toEqual([]);
  });

  it("keeps a confidential value in the command text off the host's command lines, and runs it the same", async () => {
    // Prepare: `ps` shows every user of the host the command line of the shell that runs it.
    const host = fleetHost(fleet, 11);
    const value = 's3cr3t-canary-value';
    const probe = `x=${value}; echo "$x" | wc -c; ps -o args= -p $$ | grep -c 'canary-val[u]e'; echo "$#"`;

    // Act
    const hidden = await ssh.run(execRequest(host, probe, { confidential: [value] }));
    const plain = await ssh.run(execRequest(host, probe));

    // Assess: the same command, with and without the value marked confidential.
    expect(hidden.stdout.text).toBe(`${value.length + 1}\n0\n0\n`);
    expect(plain.stdout.text).toBe(`${value.length + 1}\n1\n0\n`);
  });

  it('fails a command whose workdir does not exist, without running it', async () => {
    // Prepare
    const host = fleetHost(fleet, 2);
    const marker = join(scratch, 'workdir-ran');

    // Act
    const result = await ssh.run(execRequest(host, `touch ${marker}`, { workdir: '/no/such/dir' }));

    // Assess
    expect(result.status).toBe('failed');
    expect(result.stderr.text).toContain('/no/such/dir');
    expect(existsSync(marker)).toBe(false);
  });

  it('times out after 2 s and leaves no process of the command on the host', async () => {
    // Prepare
    const index = 3;
    const host = fleetHost(fleet, index);
    const foreground = uniqueSleepSeconds();
    const background = uniqueSleepSeconds();
    // A background child and a grandchild in a subshell: killing only the channel's process would
    // leave both behind.
    const command = `sleep ${background} & (sleep ${background}) & sleep ${foreground}; wait`;
    const started = Date.now();

    // Act
    const result = await ssh.run(execRequest(host, command, { timeoutMs: 2_000 }));

    // Assess
    const elapsed = Date.now() - started;
    expect(result.status).toBe('timed_out');
    expect(result.signal).toBe('SIGKILL');
    expect(result.exitCode).toBeNull();
    expect(result.error).toBe('fleet-4: timed out after 2s; the process group was killed');
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(6_000);
    expect(
      await untilNone(() => fleet.processesMatching(index, `sleep (${foreground}|${background})`)),
    ).toEqual([]);
    expect(await readdir(fleet.hosts[index]?.tmpDir ?? '/')).toEqual([]);
  });

  it('cancels on abort: status cancelled and the process group is gone', async () => {
    // Prepare
    const index = 4;
    const host = fleetHost(fleet, index);
    const seconds = uniqueSleepSeconds();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);

    // Act
    const result = await ssh.run(
      execRequest(host, `sleep ${seconds} & sleep ${seconds}`, {
        timeoutMs: 60_000,
        signal: controller.signal,
      }),
    );

    // Assess
    expect(result.status).toBe('cancelled');
    expect(result.durationMs).toBeLessThan(5_000);
    expect(await untilNone(() => fleet.processesMatching(index, `sleep ${seconds}`))).toEqual([]);
    expect(await readdir(fleet.hosts[index]?.tmpDir ?? '/')).toEqual([]);
  });

  it('reports a remote kill by signal with the signal name', async () => {
    // Prepare
    const host = fleetHost(fleet, 5);

    // Act
    const result = await ssh.run(execRequest(host, 'kill -TERM $$'));

    // Assess
    expect(result).toMatchObject({ status: 'failed', exitCode: null, signal: 'SIGTERM' });
    expect(result.error).toBe('fleet-6: killed by SIGTERM');
  });

  it('reports an exit status that names a stop signal as an exit status, without hanging', async () => {
    // Act: 147 is 128 + SIGSTOP on Linux; re-raising it would stop the wrapper until the timeout.
    const result = await ssh.run(execRequest(fleetHost(fleet, 10), 'exit 147', { timeoutMs: 5_000 }));

    // Assess
    expect(result).toMatchObject({ status: 'failed', exitCode: 147, signal: null });
  });

  it('ends unreachable, within the connect timeout, on a closed port', async () => {
    // Prepare
    const host = fleetHost(fleet, 6, { port: 2, connectTimeoutMs: 3_000 });
    const marker = join(scratch, 'closed-port-ran');

    // Act
    const result = await ssh.run(execRequest(host, `touch ${marker}`));

    // Assess
    expect(result.status).toBe('unreachable');
    expect(result.error).toBe(
      'fleet-7: cannot connect to 127.0.1.7:2: connection refused'.replace('127.0.1.7', host.address ?? ''),
    );
    expect(result.durationMs).toBeLessThan(3_000);
    expect(existsSync(marker)).toBe(false);
  });

  it('ends unreachable at the connect timeout when the server never speaks SSH', async () => {
    // Prepare
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const host = fleetHost(fleet, 0, { address: '127.0.0.1', port: address.port, connectTimeoutMs: 1_000 });

    try {
      // Act
      const result = await ssh.run(execRequest(host, 'true'));

      // Assess
      expect(result.status).toBe('unreachable');
      expect(result.error).toContain('fleet-1: cannot connect to 127.0.0.1:');
      expect(result.durationMs).toBeGreaterThanOrEqual(1_000);
      expect(result.durationMs).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it('refuses a host whose key differs from the pin, naming the host and both fingerprints, and runs nothing', async () => {
    // Prepare
    const victim = fleet.hosts[7];
    const other = fleet.hosts[8];
    if (victim === undefined || other === undefined) throw new Error('empty fleet');
    const host = fleetHost(fleet, 7, { hostKey: other.hostPublicKey });
    const marker = join(scratch, 'wrong-pin-ran');

    // Act
    const result = await ssh.run(execRequest(host, `touch ${marker}`));

    // Assess
    expect(result.status).toBe('unreachable');
    expect(result.exitCode).toBeNull();
    expect(result.error).toContain('fleet-8');
    expect(result.error).toContain(`expected ${other.fingerprint}`);
    expect(result.error).toContain(`presented ${victim.fingerprint}`);
    expect(existsSync(marker)).toBe(false);
  });

  it('accepts the right pin', async () => {
    // Prepare
    const host = fleetHost(fleet, 9, { hostKey: fleet.hosts[9]?.hostPublicKey, knownHosts: undefined });

    // Act
    const result = await ssh.run(execRequest(host, 'hostname'));

    // Assess
    expect(result).toMatchObject({ status: 'success', stdout: { text: 'fleet-10\n' } });
  });

  it('refuses a changed key in known_hosts and an unknown host under the strict policy', async () => {
    // Prepare
    const target = fleet.hosts[10];
    const other = fleet.hosts[11];
    if (target === undefined || other === undefined) throw new Error('empty fleet');
    const changed = join(scratch, 'known_hosts_changed');
    await writeFile(changed, `# a comment\n${target.address} ${other.hostPublicKey}\n`);
    const empty = join(scratch, 'known_hosts_empty');
    await writeFile(empty, '');
    const marker = join(scratch, 'known-hosts-ran');
    const changedHost = fleetHost(fleet, 10, { knownHosts: changed });
    const unknownHost = fleetHost(fleet, 10, { knownHosts: empty });

    // Act
    const mismatch = await ssh.run(execRequest(changedHost, `touch ${marker}`));
    const unknown = await ssh.run(execRequest(unknownHost, `touch ${marker}`));

    // Assess
    expect(mismatch.status).toBe('unreachable');
    expect(mismatch.error).toContain(`expected ${other.fingerprint}`);
    expect(mismatch.error).toContain(`presented ${target.fingerprint}`);
    expect(unknown.status).toBe('unreachable');
    expect(unknown.error).toContain(`fleet-11 (${target.address}:22) is not in ${empty}`);
    expect(unknown.error).toContain(target.fingerprint);
    expect(existsSync(marker)).toBe(false);
    expect(await readFile(empty, 'utf8')).toBe('');
  });

  it('records an unknown host under accept-new, then verifies it strictly', async () => {
    // Prepare
    const target = fleet.hosts[12];
    if (target === undefined) throw new Error('empty fleet');
    const file = join(scratch, 'known_hosts_accept_new');
    const acceptNew = fleetHost(fleet, 12, { knownHosts: file, hostKeyPolicy: 'accept-new' });
    const strict = fleetHost(fleet, 12, { knownHosts: file, hostKeyPolicy: 'strict' });
    const fresh = new SshExecutor();

    try {
      // Act
      const first = await ssh.run(execRequest(acceptNew, 'hostname'));
      const recorded = await readFile(file, 'utf8');
      const second = await fresh.run(execRequest(strict, 'hostname'));

      // Assess
      expect(first.status).toBe('success');
      expect(recorded).toBe(`${target.address} ${target.hostPublicKey}\n`);
      expect(second).toMatchObject({ status: 'success', stdout: { text: 'fleet-13\n' } });
    } finally {
      await fresh.close();
    }
  });

  it('matches hashed known_hosts entries and the [address]:port form on a non-22 port', async () => {
    // Prepare: a second small fleet on port 2222; ssh-keygen -H hashes the names as OpenSSH does.
    const other = await startFleet({ count: 2, port: 2222 });
    const hashed = join(scratch, 'known_hosts_hashed');
    await writeFile(hashed, await readFile(other.knownHostsFile));
    await run('ssh-keygen', ['-H', '-f', hashed]);
    const executor = new SshExecutor();

    try {
      // Act
      const plain = await executor.run(execRequest(fleetHost(other, 0), 'hostname'));
      const viaHash = await executor.run(
        execRequest(fleetHost(other, 1, { knownHosts: hashed }), 'hostname'),
      );

      // Assess
      expect(await readFile(other.knownHostsFile, 'utf8')).toContain(`[${other.hosts[0]?.address}]:2222 `);
      expect(await readFile(hashed, 'utf8')).toMatch(/^\|1\|/);
      expect(plain).toMatchObject({ status: 'success', stdout: { text: 'fleet-1\n' } });
      expect(viaHash).toMatchObject({ status: 'success', stdout: { text: 'fleet-2\n' } });
    } finally {
      await executor.close();
      await other.stop();
    }
  });

  it('ends unreachable when the key is refused, naming the user', async () => {
    // Prepare
    const wrongKey = join(scratch, 'not_authorized');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const host = fleetHost(fleet, 13, { identityFile: wrongKey });

    // Act
    const result = await ssh.run(execRequest(host, 'true'));

    // Assess
    expect(result.status).toBe('unreachable');
    expect(result.error).toBe(`fleet-14: ${host.address}:22 refused the key for user root`);
  });

  it('masks a confidential value split across two output chunks', async () => {
    // Prepare
    const host = fleetHost(fleet, 14);
    const secret = 's3cr3t-t0ken-value';
    // The pause makes the two halves arrive as separate SSH data messages.
    const command = `printf 'before %s' "$HALF_1"; sleep 0.3; printf '%s after\\n' "$HALF_2"; printf '%s\\n' "$WHOLE" >&2`;

    // Act
    const result = await ssh.run(
      execRequest(host, command, {
        env: { HALF_1: secret.slice(0, 7), HALF_2: secret.slice(7), WHOLE: secret },
        confidential: [secret],
      }),
    );

    // Assess
    expect(result.stdout.text).toBe('before *** after\n');
    expect(result.stderr.text).toBe('***\n');
  });

  it('caps a large output, keeping head and tail and counting the dropped bytes', async () => {
    // Prepare
    const host = fleetHost(fleet, 15);
    const capped = new SshExecutor({ capture: { headBytes: 250, tailBytes: 750 } });

    try {
      // Act: 100 000 bytes of "é" (2 bytes each), between recognisable ends.
      const result = await capped.run(
        execRequest(
          host,
          `printf START; head -c 100000 /dev/zero | tr '\\0' x | sed 's/x/é/g' | head -c 100000; printf END`,
        ),
      );

      // Assess
      expect(result.status).toBe('success');
      expect(result.stdout.text.startsWith('START')).toBe(true);
      expect(result.stdout.text.endsWith('END')).toBe(true);
      expect(result.stdout.text).not.toContain('\uFFFD');
      const kept = Buffer.byteLength(result.stdout.text.replace(/\n\[… \d+ bytes dropped …\]\n/, ''));
      expect(result.stdout.droppedBytes).toBe('START'.length + 100_000 + 'END'.length - kept);
      expect(kept).toBeLessThanOrEqual(1_000);
      expect(kept).toBeGreaterThan(990);
    } finally {
      await capped.close();
    }
  });

  it('fails a host that drops during the command, saying it may have partly run', async () => {
    // Prepare: a fleet of its own, since the host is killed.
    const doomed = await startFleet({ count: 1 });
    const executor = new SshExecutor();
    const host = fleetHost(doomed, 0);

    try {
      // Act
      const pending = executor.run(execRequest(host, 'echo started; sleep 30', { timeoutMs: 20_000 }));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await doomed.killHost(0);
      const result = await pending;

      // Assess
      expect(result.status).toBe('failed');
      expect(result.stdout.text).toBe('started\n');
      expect(result.error).toContain('may have partly run');
      expect(result.durationMs).toBeLessThan(10_000);
    } finally {
      await executor.close();
      await doomed.stop();
    }
  });

  it('passes any environment value through unchanged (property, 200 runs)', async () => {
    // Prepare
    const host = fleetHost(fleet, 16);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(hostileString(), hostileString(), async (value, other) => {
        const result = await ssh.run(
          execRequest(host, 'printf "%s|%s" "$VALUE" "$OTHER"', { env: { VALUE: value, OTHER: other } }),
        );
        expect(result.status).toBe('success');
        expect(result.stdout.text).toBe(`${value}|${other}`);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
