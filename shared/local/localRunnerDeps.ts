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
}): LocalRunner {
  const ssh = options.ssh ?? new SshThreadExecutor();
  const local = new LocalExecutor();
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
    executorFor: (host) => (host.transport === 'ssh' ? ssh : host.transport === 'local' ? local : ssm),
    taskTypes: options.taskTypes ?? ({} as Partial<Record<'secret' | 'http', TaskTypeRunner>>),
    ...(options.emit ? { emit: options.emit } : {}),
    ...(options.tasksPerHost
      ? { hostDone: releaseAfterLastTask(options.tasksPerHost, (host) => ssh.release(host)) }
      : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return { deps, close: async () => void (await Promise.all([ssh.close(), local.close()])) };
}

/**
 * Counts down each host's tasks and calls `release` when the last one has finished on it. A task
 * that never runs on a host (skipped) leaves it counted, and its connection closes with the rest.
 */
function releaseAfterLastTask(
  tasksPerHost: ReadonlyMap<string, number>,
  release: (host: Host) => void,
): NonNullable<RunnerDeps['hostDone']> {
  const left = new Map(tasksPerHost);
  const done = new Set<string>();
  return (task, host) => {
    const key = `${task}\u0000${host.name}`;
    if (done.has(key)) return;
    done.add(key);
    const remaining = (left.get(host.name) ?? 0) - 1;
    left.set(host.name, remaining);
    if (remaining === 0 && host.transport === 'ssh') release(host);
  };
}
