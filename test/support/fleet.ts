import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { knownHostsName } from '../../shared/exec/ssh/knownHosts.js';
import type { Host } from '../../shared/inventory/Host.js';
import { acquireAddressBlock } from './fleet-addresses.js';

const run = promisify(execFile);

const SSHD = '/usr/sbin/sshd';
/** At most one address block (127.0.B.1 … 127.0.B.254) per fleet keeps locking simple. */
const MAX_FLEET_SIZE = 254;

/** How to start a fleet. */
export interface FleetOptions {
  /** Number of sshd daemons (1…254). */
  count: number;
  /** TCP port every daemon listens on (each on its own address); default 22. */
  port?: number;
  /** Third octet of the addresses (127.0.B.x); default the first block no other fleet holds, from 1. */
  block?: number;
  /** Bound on starting all daemons; default 30 s. */
  startTimeoutMs?: number;
  /** sshd's `LogLevel`; default `ERROR`. Each daemon logs to `DIR/NAME/sshd.log` ({@link fleetHostLog}). */
  logLevel?: 'ERROR' | 'DEBUG';
}

/** One fleet host, as plain data (JSON-serialisable, so a vitest globalSetup can `provide` it). */
export interface FleetHost {
  /** 0-based position in the fleet. */
  index: number;
  /** Inventory name and kernel hostname (`fleet-1` …). */
  name: string;
  hostname: string;
  address: string;
  port: number;
  /** PID of the listening sshd (what {@link killFleetHost} kills, with its sessions). */
  pid: number;
  /** `ssh-ed25519 AAAA…`, as a `host_key` pin or a known_hosts key. */
  hostPublicKey: string;
  /** `SHA256:…`, as printed by `ssh-keygen -l`. */
  fingerprint: string;
  /** The host's TMPDIR: executions' scratch files land here, not in the machine's /tmp. */
  tmpDir: string;
}

/** A running fleet, as plain data. */
export interface FleetDescriptor {
  /** Temporary directory holding keys, configs and logs. */
  dir: string;
  /** Private key authorised for root on every host. */
  clientIdentityFile: string;
  /** known_hosts listing every fleet host (`[addr]:port` form when the port is not 22). */
  knownHostsFile: string;
  /** An empty directory used as HOME for sessions, so no shell start-up file runs. */
  homeDir: string;
  hosts: FleetHost[];
}

/** A running fleet with its controls. */
export interface Fleet extends FleetDescriptor {
  /** Kills host `index`'s sshd and every session it serves, as if the machine went down. */
  killHost(index: number): Promise<void>;
  /** PIDs of processes on host `index` (its UTS namespace) whose command line matches `pattern`. */
  processesMatching(index: number, pattern: string): Promise<number[]>;
  /** Kills every daemon this fleet started (by PID) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `count` OpenSSH daemons on 127.0.B.1 … 127.0.B.count, each in its own UTS namespace with
 * its own hostname and host key, all authorising one client key for root. Daemons start
 * concurrently; the promise resolves once every one accepts TCP connections.
 *
 * @example
 * const fleet = await startFleet({ count: 20 });
 * try { ... fleetHosts(fleet) ... } finally { await fleet.stop(); }
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { count, port = 22, startTimeoutMs = 30_000, logLevel = 'ERROR' } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FLEET_SIZE) {
    throw new Error(`startFleet: count must be 1…${MAX_FLEET_SIZE}, got ${count}`);
  }
  const block = await acquireAddressBlock(options.block);
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-fleet-'));
  const pids: number[] = [];
  const killed = new Set<number>();
  const stop = async (): Promise<void> => {
    // A PID killed earlier may since belong to someone else.
    await killTree(pids.filter((pid) => !killed.has(pid)));
    await rm(dir, { recursive: true, force: true });
    await block.release();
  };
  try {
    // sshd refuses to start without its privilege-separation directory.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const homeDir = join(dir, 'home');
    await mkdir(homeDir);
    const clientIdentityFile = join(dir, 'client_ed25519');
    await keygen(clientIdentityFile);
    await writeFile(join(dir, 'authorized_keys'), await readFile(`${clientIdentityFile}.pub`));

    // Two cores: key generation is CPU-bound, daemon start mostly waiting.
    const limit = pLimit(8);
    const deadline = Date.now() + startTimeoutMs;
    const hosts = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        limit(async () => {
          const host = await startHost({ dir, homeDir, index, block: block.octet, port, logLevel });
          pids.push(host.pid);
          await waitForListener(host, port, deadline);
          return host;
        }),
      ),
    );

    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(
      knownHostsFile,
      hosts.map((h) => `${knownHostsName(h.address, port)} ${h.hostPublicKey}\n`).join(''),
    );
    const fingerprints = await fingerprintsOf(knownHostsFile);
    const described: FleetHost[] = hosts.map((h, i) => ({
      index: h.index,
      name: h.name,
      hostname: h.name,
      address: h.address,
      port,
      pid: h.pid,
      hostPublicKey: h.hostPublicKey,
      fingerprint: fingerprints[i] ?? '',
      tmpDir: h.tmpDir,
    }));
    const descriptor: FleetDescriptor = {
      dir,
      clientIdentityFile,
      knownHostsFile,
      homeDir,
      hosts: described,
    };
    return {
      ...descriptor,
      killHost: async (index) => {
        await killFleetHost(descriptor, index);
        const pid = described[index]?.pid;
        if (pid !== undefined) killed.add(pid);
      },
      processesMatching: (index, pattern) => fleetProcessesMatching(descriptor, index, pattern),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Kills one fleet host's sshd and its sessions. Works from any process that has the descriptor
 * (a test worker when the fleet was started in a globalSetup).
 */
export async function killFleetHost(fleet: FleetDescriptor, index: number): Promise<void> {
  const host = fleet.hosts[index];
  if (host === undefined)
    throw new Error(`killFleetHost: no host #${index} in a fleet of ${fleet.hosts.length}`);
  await killTree([host.pid]);
}

/**
 * PIDs of processes running "on" fleet host `index` — in the UTS namespace of its sshd — whose
 * command line matches `pattern` (a `pgrep -f` regular expression).
 */
export async function fleetProcessesMatching(
  fleet: FleetDescriptor,
  index: number,
  pattern: string,
): Promise<number[]> {
  const host = fleet.hosts[index];
  if (host === undefined) throw new Error(`fleetProcessesMatching: no host #${index}`);
  try {
    const { stdout } = await run('pgrep', ['--ns', String(host.pid), '--nslist', 'uts', '-f', pattern]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { code?: unknown }).code === 1) return [];
    throw error;
  }
}

/** What host `index`'s sshd has logged so far (see {@link FleetOptions.logLevel}). */
export function fleetHostLog(fleet: FleetDescriptor, index: number): Promise<string> {
  const host = fleet.hosts[index];
  if (host === undefined) throw new Error(`fleetHostLog: no host #${index}`);
  return readFile(join(fleet.dir, host.name, 'sshd.log'), 'utf8');
}

/**
 * The fleet as executors see it: one ssh `Host` per daemon, authenticating as root with the
 * fleet's client key and verifying against the fleet's known_hosts. `overrides` apply to every host.
 */
export function fleetHosts(fleet: FleetDescriptor, overrides: Partial<Host> = {}): Host[] {
  return fleet.hosts.map((h) => ({
    name: h.name,
    transport: 'ssh',
    tags: ['fleet', h.index % 2 === 0 ? 'odd' : 'even'],
    address: h.address,
    port: h.port,
    user: 'root',
    identityFile: fleet.clientIdentityFile,
    knownHosts: fleet.knownHostsFile,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5_000,
    ...overrides,
  }));
}

/** Host `index` of {@link fleetHosts}; throws when the fleet has no such host. */
export function fleetHost(fleet: FleetDescriptor, index: number, overrides: Partial<Host> = {}): Host {
  const host = fleetHosts(fleet, overrides)[index];
  if (host === undefined) throw new Error(`fleetHost: no host #${index} in a fleet of ${fleet.hosts.length}`);
  return host;
}

interface StartedHost {
  index: number;
  name: string;
  address: string;
  pid: number;
  hostPublicKey: string;
  logFile: string;
  tmpDir: string;
  /** True once the daemon has exited (a bad config, a taken address). */
  exited(): boolean;
}

async function startHost(args: {
  dir: string;
  homeDir: string;
  index: number;
  block: number;
  port: number;
  logLevel: string;
}): Promise<StartedHost> {
  const { dir, homeDir, index, block, port, logLevel } = args;
  const name = `fleet-${index + 1}`;
  const address = `127.0.${block}.${index + 1}`;
  const hostDir = join(dir, name);
  await mkdir(hostDir);
  const tmpDir = join(hostDir, 'tmp');
  await mkdir(tmpDir);
  const hostKey = join(hostDir, 'ssh_host_ed25519_key');
  await keygen(hostKey);
  const config = join(hostDir, 'sshd_config');
  await writeFile(config, sshdConfig({ dir, homeDir, tmpDir, hostKey, address, port, logLevel }));
  const logFile = join(hostDir, 'sshd.log');
  const log = openSync(logFile, 'a');
  try {
    // unshare gives the host its own hostname; setpriv's death signal stops a daemon whose test
    // process died without calling stop(). The chain execs, so the PID we get is sshd's.
    const child = spawn(
      'unshare',
      [
        '--uts',
        'setpriv',
        '--pdeathsig',
        'KILL',
        'sh',
        '-c',
        `hostname ${name} && exec ${SSHD} -D -e -f ${config}`,
      ],
      { detached: true, stdio: ['ignore', 'ignore', log] },
    );
    if (child.pid === undefined) throw new Error(`fleet: could not start sshd for ${name}`);
    child.unref();
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const hostPublicKey = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    return { index, name, address, pid: child.pid, hostPublicKey, logFile, tmpDir, exited: () => exited };
  } finally {
    closeSync(log);
  }
}

function sshdConfig(args: {
  dir: string;
  homeDir: string;
  tmpDir: string;
  hostKey: string;
  address: string;
  port: number;
  logLevel: string;
}): string {
  return [
    `ListenAddress ${args.address}:${args.port}`,
    `HostKey ${args.hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${join(args.dir, 'authorized_keys')}`,
    // Keys live under /tmp, which StrictModes rejects.
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'MaxStartups 1000:30:2000',
    'MaxSessions 100',
    // An empty HOME keeps the machine's shell start-up files out of timings and output; a TMPDIR
    // per host keeps scratch files in the fleet's directory, where tests can check them.
    `SetEnv HOME=${args.homeDir} TMPDIR=${args.tmpDir}`,
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    `LogLevel ${args.logLevel}`,
    '',
  ].join('\n');
}

async function keygen(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file]);
}

/** One ssh-keygen call fingerprints every line of a known_hosts file, in order. */
async function fingerprintsOf(knownHostsFile: string): Promise<string[]> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', knownHostsFile]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[1] ?? '');
}

async function waitForListener(host: StartedHost, port: number, deadline: number): Promise<void> {
  for (;;) {
    if (await accepts(host.address, port)) return;
    if (host.exited() || Date.now() > deadline) {
      const log = await readFile(host.logFile, 'utf8').catch(() => '');
      throw new Error(
        `fleet: sshd for ${host.name} on ${host.address}:${port} did not start listening.\n${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * SIGKILLs `roots` and all their descendants. sshd puts each connection in a session of its own,
 * so a process-group kill would miss them; the parent links in /proc find exactly our processes.
 */
async function killTree(roots: readonly number[]): Promise<void> {
  const victims = new Set(roots);
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name may contain spaces and parentheses: the ppid follows the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const queue = [...roots];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (!victims.has(child)) {
        victims.add(child);
        queue.push(child);
      }
    }
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
