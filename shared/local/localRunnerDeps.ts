import { readFileSync } from 'node:fs';
import type { CatalogEntry, RunEvent, RunnerDeps } from '../engine/RunnerDeps.js';
import type { ExecutionRequest, HostExecutor } from '../exec/HostExecutor.js';
import { LocalExecutor } from '../exec/local/LocalExecutor.js';
import { SshThreadExecutor } from '../exec/ssh/SshThreadExecutor.js';
import type { Host } from '../inventory/Host.js';
import type { RunStore } from '../store/RunStore.js';
import { notRun } from '../tasktypes/notRun.js';
import type { TaskTypeRunner } from '../tasktypes/TaskTypeRunner.js';

/** The runner dependencies of a local run, and a way to release their connections. */
export interface LocalRunner {
  deps: RunnerDeps;
  close(): Promise<void>;
}

/**
 * Wires the core functions for a run on this machine: the one TaskGroup the CLI was given, the
 * inventory file's hosts, SSH (in a thread of its own) and local executors (connections reused
 * across tasks), and the runner-side task types the caller could build.
 */
export function localRunner(options: {
  store: RunStore;
  entry: CatalogEntry;
  hosts: Host[];
  taskTypes?: RunnerDeps['taskTypes'];
  emit?: (event: RunEvent) => void;
  signal?: AbortSignal;
  /** The SSH executor to use, when the caller has already opened connections with it. */
  ssh?: HostExecutor & Required<Pick<HostExecutor, 'release'>>;
  /**
   * How many tasks of the run target each host (by name): a host's connection closes once that
   * many have finished on it, instead of at the end of the run. Hosts not listed keep theirs.
   */
  tasksPerHost?: ReadonlyMap<string, number>;
  /**
   * With `tasksPerHost`: connections kept open at most for hosts that wait for a later task; the
   * least recently used beyond it close, and open again when their host's next task comes.
   * Default {@link idleConnectionLimit}.
   */
  idleConnections?: number;
}): LocalRunner {
  const ssh = options.ssh ?? new SshThreadExecutor();
  const local = new LocalExecutor();
  const keeper = options.tasksPerHost
    ? connectionKeeper(options.tasksPerHost, ssh, options.idleConnections ?? idleConnectionLimit())
    : undefined;
  const ssm: HostExecutor = {
    run: async (request: ExecutionRequest) =>
      notRun(
        `host ${request.host.name} uses SSM Run Command, which a local run cannot reach; deploy stepfleet (cdk deploy) to run on it`,
      ),
    close: async () => undefined,
  };
  const deps: RunnerDeps = {
    store: options.store,
    catalog: {
      get: async (name) => (name === options.entry.group.name ? options.entry : undefined),
      names: async () => [options.entry.group.name],
    },
    inventory: async () => options.hosts,
    executorFor: (host) =>
      host.transport === 'ssh' ? (keeper?.executor ?? ssh) : host.transport === 'local' ? local : ssm,
    taskTypes: options.taskTypes ?? ({} as Partial<Record<'secret' | 'http', TaskTypeRunner>>),
    ...(options.emit ? { emit: options.emit } : {}),
    ...(keeper ? { hostDone: keeper.hostDone } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return { deps, close: async () => void (await Promise.all([ssh.close(), local.close()])) };
}

/**
 * Which SSH connections a run keeps between a host's tasks. A host's connection closes once its
 * last task has finished on it; until then it stays open while the host waits for its next task,
 * but only for the `idleLimit` hosts that finished most recently: a group whose tasks all target
 * a fleet larger than the process may open descriptors for would otherwise run out of them.
 * A host counts as waiting only while nothing runs on it. A task that never runs on a host
 * (skipped) leaves it counted, and its connection closes with the rest.
 */
function connectionKeeper(
  tasksPerHost: ReadonlyMap<string, number>,
  ssh: HostExecutor & Required<Pick<HostExecutor, 'release'>>,
  idleLimit: number,
): { executor: HostExecutor; hostDone: NonNullable<RunnerDeps['hostDone']> } {
  const left = new Map(tasksPerHost);
  const done = new Set<string>();
  const running = new Map<string, number>();
  // Hosts waiting for a later task, the least recently finished first.
  const waiting = new Map<string, Host>();
  const executor: HostExecutor = {
    run: async (request) => {
      const name = request.host.name;
      waiting.delete(name);
      running.set(name, (running.get(name) ?? 0) + 1);
      try {
        return await ssh.run(request);
      } finally {
        running.set(name, (running.get(name) ?? 1) - 1);
      }
    },
    ...(ssh.connect ? { connect: ssh.connect.bind(ssh) } : {}),
    release: (host) => ssh.release(host),
    close: () => ssh.close(),
  };
  const hostDone: NonNullable<RunnerDeps['hostDone']> = (task, host) => {
    const key = `${task}\u0000${host.name}`;
    if (done.has(key) || host.transport !== 'ssh') return;
    done.add(key);
    const remaining = (left.get(host.name) ?? 0) - 1;
    left.set(host.name, remaining);
    waiting.delete(host.name);
    if (remaining === 0) {
      ssh.release(host);
      return;
    }
    if ((running.get(host.name) ?? 0) > 0) return;
    waiting.set(host.name, host);
    for (const [name, oldest] of waiting) {
      if (waiting.size <= idleLimit) break;
      waiting.delete(name);
      ssh.release(oldest);
    }
  };
  return { executor, hostDone };
}

/**
 * Connections a local run keeps open for hosts between their tasks, by default: half the file
 * descriptors the process may open (Linux's `/proc/self/limits`; Node raises the soft limit to
 * the hard one), less 64 for everything else, and at least 16; 448 where the limit is unknown.
 */
export function idleConnectionLimit(limits = readLimits()): number {
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  if (soft === undefined) return 448;
  const open = soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  if (!Number.isFinite(open)) return 448;
  return Math.max(16, Math.floor(open / 2) - 64);
}

/** The process's resource limits as Linux lists them; empty elsewhere. */
function readLimits(): string {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return '';
  }
}
