// Benchmark: `stepfleet run` of `hostname` across a loopback sshd fleet, against parallel-ssh,
// pdsh and clush at the same parallelism (each peer twice: its default key exchange, and
// curve25519-sha256, the one ssh2 negotiates). Also times the rejection of hostile YAML.
//
//   npm run bench                     # 50 and 200 hosts, 5 interleaved runs, parallelism 32
//   BENCH_SIZES=200 BENCH_RUNS=7 BENCH_PARALLELISM=64 npm run bench
//   BENCH_ONLY='stepfleet|curve25519' npm run bench   # only the contenders whose name matches
//
// Needs Debian's openssh-server, pssh, pdsh, clustershell and time packages.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadTaskGroup } from '../shared/taskgroup/loadTaskGroup.js';
import { type Fleet, startFleet } from '../test/support/fleet.js';
import { writeFleetInventory } from '../test/support/fleetInventory.js';

const ROOT = join(import.meta.dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '50,200').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PARALLELISM = Number(process.env.BENCH_PARALLELISM ?? 32);
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '.');

interface Contender {
  name: string;
  kind: 'stepfleet' | 'default' | 'curve25519';
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** How many hosts answered with their own hostname, read from the command's stdout. */
  answered(stdout: string): number;
}

interface Sample {
  wallSeconds: number;
  peakRssMb: number;
  /** CPU of the command and its children (user + system), as GNU time reports it. */
  clientCpuSeconds: number;
  /** CPU the fleet's sshd daemons and their sessions spent meanwhile: the cost to the hosts. */
  hostCpuSeconds: number;
}

/**
 * CPU seconds the fleet's sshd daemons have spent so far, counting every session and command they
 * have reaped: utime + stime + cutime + cstime of each daemon (a host's PID is its sshd's).
 */
function fleetCpuSeconds(fleet: Fleet): number {
  let ticks = 0;
  for (const host of fleet.hosts) {
    try {
      const stat = readFileSync(`/proc/${host.pid}/stat`, 'utf8');
      // After the command name (which may hold spaces) comes the state: stat(5) field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    } catch {
      // The daemon is gone; it costs nothing any more.
    }
  }
  return ticks / 100;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Runs a command under GNU time; returns wall time, peak RSS (largest process), CPU and stdout. */
function measure(
  argv: string[],
  env: NodeJS.ProcessEnv | undefined,
  dir: string,
  fleet: Fleet,
): Promise<Sample & { stdout: string; code: number | null }> {
  const timing = join(dir, 'time.txt');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const hostCpuBefore = fleetCpuSeconds(fleet);
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timing, ...argv], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      const [peakKb, user, system] = (readFileSync(timing, 'utf8').trim().split('\n').pop() ?? '')
        .split(' ')
        .map(Number);
      resolve({
        wallSeconds,
        peakRssMb: (peakKb ?? 0) / 1024,
        clientCpuSeconds: (user ?? 0) + (system ?? 0),
        hostCpuSeconds: fleetCpuSeconds(fleet) - hostCpuBefore,
        stdout,
        code,
      });
    });
  });
}

function contenders(fleet: Fleet, dir: string, inventory: string): Contender[] {
  const addresses = fleet.hosts.map((h) => h.address);
  const hostnames = new Set(fleet.hosts.map((h) => h.hostname));
  const hostsFile = join(dir, 'hosts.txt');
  writeFileSync(hostsFile, `${addresses.join('\n')}\n`);
  const sshConfig = (kex: string | undefined) => {
    const file = join(dir, `ssh_config${kex ? '-curve' : ''}`);
    writeFileSync(
      file,
      [
        'Host *',
        '  User root',
        `  IdentityFile ${fleet.clientIdentityFile}`,
        `  UserKnownHostsFile ${fleet.knownHostsFile}`,
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  LogLevel ERROR',
        ...(kex ? [`  KexAlgorithms ${kex}`] : []),
        '',
      ].join('\n'),
    );
    return file;
  };
  const taskGroup = join(dir, 'bench.yaml');
  writeFileSync(
    taskGroup,
    `name: bench\ntasks:\n  - { name: hostname, type: exec, targets: [all], strategy: { max_concurrency: ${PARALLELISM} }, timeout: 60s, spec: { command: hostname } }\n`,
  );
  const countLines = (stdout: string) =>
    stdout.split('\n').filter((line) => hostnames.has(line.split(': ').pop()?.trim() ?? '')).length;
  const list: Contender[] = [
    {
      name: 'stepfleet run',
      kind: 'stepfleet',
      argv: [
        process.execPath,
        join(ROOT, 'cli/stepfleet.js'),
        'run',
        taskGroup,
        '-i',
        inventory,
        '--json',
        '--state-dir',
        join(dir, 'state'),
      ],
      answered: (stdout) => {
        const result = JSON.parse(stdout) as {
          results: Record<string, { hosts: Record<string, { status: string; stdout: string }> }>;
        };
        return Object.values(result.results.hostname?.hosts ?? {}).filter(
          (h) => h.status === 'success' && hostnames.has(h.stdout.trim()),
        ).length;
      },
    },
  ];
  for (const [kind, kex] of [
    ['default', undefined],
    ['curve25519', 'curve25519-sha256'],
  ] as const) {
    const config = sshConfig(kex);
    list.push(
      {
        name: `parallel-ssh (${kind})`,
        kind,
        argv: [
          'parallel-ssh',
          '-h',
          hostsFile,
          '-p',
          String(PARALLELISM),
          '-t',
          '60',
          '-i',
          '-x',
          `-F ${config}`,
          'hostname',
        ],
        answered: (stdout) => stdout.split('\n').filter((line) => hostnames.has(line.trim())).length,
      },
      {
        name: `pdsh (${kind})`,
        kind,
        argv: ['pdsh', '-R', 'ssh', '-f', String(PARALLELISM), '-w', `^${hostsFile}`, 'hostname'],
        env: { PDSH_SSH_ARGS: `-F ${config} %h` },
        answered: countLines,
      },
      {
        name: `clush (${kind})`,
        kind,
        argv: [
          'clush',
          '-f',
          String(PARALLELISM),
          '-w',
          addresses.join(','),
          '-o',
          `-F ${config}`,
          'hostname',
        ],
        answered: countLines,
      },
    );
  }
  return list;
}

async function benchSize(size: number): Promise<void> {
  const fleet = await startFleet({ count: size });
  const dir = mkdtempSync(join(tmpdir(), 'stepfleet-bench-'));
  try {
    const { file: inventory } = writeFleetInventory(fleet, dir);
    const all = contenders(fleet, dir, inventory).filter((c) => ONLY.test(c.name));
    const samples = new Map<string, Sample[]>(all.map((c) => [c.name, []]));
    for (let round = 0; round <= RUNS; round += 1) {
      for (const contender of all) {
        const sample = await measure(contender.argv, contender.env, dir, fleet);
        const answered = contender.answered(sample.stdout);
        if (answered !== size)
          throw new Error(`${contender.name}: ${answered} of ${size} hosts answered (exit ${sample.code})`);
        if (round > 0) samples.get(contender.name)?.push(sample); // round 0 warms caches up
      }
    }
    const medianOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.wallSeconds));
    const fastest = (kind: Contender['kind']) =>
      Math.min(...all.filter((c) => c.kind === kind).map((c) => medianOf(c.name)));
    process.stdout.write(
      `\n## ${size} hosts, parallelism ${PARALLELISM}, ${RUNS} interleaved runs (median, min–max)\n\n`,
    );
    process.stdout.write(
      '| command | wall s | peak RSS MB | client CPU s | host CPU s |\n| --- | --- | --- | --- | --- |\n',
    );
    for (const c of all) {
      const s = samples.get(c.name) ?? [];
      const wall = s.map((x) => x.wallSeconds);
      const cpu = (pick: (x: Sample) => number) => median(s.map(pick)).toFixed(2);
      process.stdout.write(
        `| ${c.name} | ${medianOf(c.name).toFixed(2)} (${Math.min(...wall).toFixed(2)}–${Math.max(...wall).toFixed(2)}) | ${median(s.map((x) => x.peakRssMb)).toFixed(0)} | ${cpu((x) => x.clientCpuSeconds)} | ${cpu((x) => x.hostCpuSeconds)} |\n`,
      );
    }
    const ours = medianOf('stepfleet run');
    const rss = median((samples.get('stepfleet run') ?? []).map((s) => s.peakRssMb));
    // A kind that BENCH_ONLY left out (or stepfleet itself) has no ratio to report.
    const ratio = (kind: Contender['kind']) => {
      const peer = fastest(kind);
      return Number.isFinite(peer) && Number.isFinite(ours) ? (ours / peer).toFixed(2) : 'not measured';
    };
    process.stdout.write(
      `\nstepfleet / fastest default peer: ${ratio('default')} (target ≤ 0.6 at 200 hosts); ` +
        `stepfleet / fastest curve25519 peer: ${ratio('curve25519')} (target ≤ 1.0); stepfleet peak RSS ${Number.isFinite(rss) ? rss.toFixed(0) : 'not measured'} MB (target ≤ 200)\n`,
    );
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times the rejection of an alias bomb and of a 10 MB file, in process (median of 5). */
async function benchHazards(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stepfleet-bench-'));
  try {
    const huge = join(dir, 'huge.yaml');
    writeFileSync(
      huge,
      `name: demo\ntasks:\n${'  - { name: a, type: exec, targets: [local], spec: { command: "true" } }\n'.repeat(150_000)}`,
    );
    const bomb = join(ROOT, 'test/fixtures/invalid/alias-bomb.yaml');
    process.stdout.write('\n## Hostile files (validate, in process, median of 5)\n\n');
    for (const [name, file] of [
      ['alias bomb', bomb],
      ['10 MB file', huge],
    ] as const) {
      if (!existsSync(file)) throw new Error(`missing ${file}`);
      const times: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = performance.now();
        const result = await loadTaskGroup(file);
        times.push(performance.now() - started);
        if (result.ok) throw new Error(`${name} was accepted`);
      }
      process.stdout.write(`- ${name}: rejected in ${median(times).toFixed(1)} ms\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await benchHazards();
for (const size of SIZES) await benchSize(size);
