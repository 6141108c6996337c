import type { CatalogEntry, RunEvent, RunnerDeps } from '../engine/RunnerDeps.js';
import type { ExecutionRequest, HostExecutor } from '../exec/HostExecutor.js';
import { LocalExecutor } from '../exec/local/LocalExecutor.js';
import { SshExecutor } from '../exec/ssh/SshExecutor.js';
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
 * inventory file's hosts, SSH and local executors (connections reused across tasks), and the
 * runner-side task types the caller could build.
 */
export function localRunner(options: {
  store: RunStore;
  entry: CatalogEntry;
  hosts: Host[];
  taskTypes?: RunnerDeps['taskTypes'];
  emit?: (event: RunEvent) => void;
  signal?: AbortSignal;
  /** The SSH executor to use, when the caller has already opened connections with it. */
  ssh?: SshExecutor;
}): LocalRunner {
  const ssh = options.ssh ?? new SshExecutor();
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
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return { deps, close: async () => void (await Promise.all([ssh.close(), local.close()])) };
}
