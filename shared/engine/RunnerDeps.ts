import type { HostExecutor } from '../exec/HostExecutor.js';
import type { Host } from '../inventory/Host.js';
import type { RunStore } from '../store/RunStore.js';
import type { TaskGroup } from '../taskgroup/schema.js';
import type { TaskTypeRunner } from '../tasktypes/TaskTypeRunner.js';

/** A TaskGroup the runner can run, with where its relative files (scripts) live. */
export interface CatalogEntry {
  group: TaskGroup;
  /** Name of the file it came from, for messages. */
  source: string;
  /** Directory that `script` tasks' `spec.file` paths are relative to. */
  baseDir?: string;
}

/** Where the runner finds TaskGroups by name: the CLI's one file, or the bundle a deployment ships. */
export interface TaskGroupCatalog {
  get(name: string): Promise<CatalogEntry | undefined>;
  names(): Promise<string[]>;
}

/** A change of state during a run: the local `--events` stream and the EventBridge events. */
export type RunEvent =
  | {
      kind: 'run';
      runId: string;
      taskGroup: string;
      status: 'running' | 'succeeded' | 'failed' | 'cancelled';
      at: string;
    }
  | { kind: 'task'; runId: string; task: string; status: string; hosts?: number; at: string }
  | {
      kind: 'host';
      runId: string;
      task: string;
      host: string;
      status: string;
      attempt: number;
      exitCode?: number | null;
      at: string;
    };

/**
 * What the run's core functions need, injected by whoever hosts them: the Lambda handlers in the
 * cloud, the CLI's embedded engine locally. Nothing here is created at import time.
 */
export interface RunnerDeps {
  store: RunStore;
  catalog: TaskGroupCatalog;
  /** The inventory hosts (empty when the run has none: only `local` targets then resolve). */
  inventory(): Promise<Host[]>;
  /** The executor for a host's transport; executors keep and reuse connections. */
  executorFor(host: Host): HostExecutor;
  /** Runner-side task types (`secret`, `http`), built with their AWS clients by the host process. */
  taskTypes: Partial<Record<'secret' | 'http', TaskTypeRunner>>;
  /** Resolves `ec2:KEY=VALUE` selectors at run time (cloud only). */
  resolveDeferred?(selectors: readonly string[]): Promise<Host[]>;
  /** Receives every state change; must not throw. */
  emit?(event: RunEvent): void;
  /**
   * Told when a host has its final result for a task (in this invocation), so that a runner that
   * knows the host has no more tasks can close its connection; must not throw.
   */
  hostDone?(task: string, host: Host): void;
  /** Aborted when the run is cancelled from this process (Ctrl-C locally). */
  signal?: AbortSignal;
  clock?(): Date;
}
