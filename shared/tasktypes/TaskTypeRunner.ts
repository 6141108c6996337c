import type { ExecutionResult, HostExecutor } from '../exec/HostExecutor.js';
import type { Host } from '../inventory/Host.js';
import type { Task, TaskGroup } from '../taskgroup/schema.js';
import type { Resolver } from '../vars/interpolate.js';

/** Everything one execution of one task on one host (or in the runner) needs. */
export interface TaskRunContext {
  runId: string;
  group: TaskGroup;
  /** The host; `LOCAL_HOST` for tasks that run in the runner. */
  host: Host;
  /** 1-based attempt number (retries of a failed host execution). */
  attempt: number;
  /** Imports resolved for this host, as environment variables. */
  env: Readonly<Record<string, string>>;
  /** Resolves `${{ inputs.x }}` and `${{ tasks.t.outputs.v }}` for this host. */
  resolve: Resolver;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Every confidential value known to the run: masked in whatever this execution captures. */
  confidential: readonly string[];
  /** The executor for `host` (SSH, SSM or local); unused by runner-side task types. */
  executor: HostExecutor;
  /** Directory of the TaskGroup file, for `script` tasks with `spec.file`. */
  baseDir?: string | undefined;
}

/**
 * One task type's behaviour (DESIGN §2: one module and one schema per type). Like executors, a
 * runner never throws for a problem of the task itself: it returns a result with a status.
 */
export interface TaskTypeRunner<T extends Task = Task> {
  run(task: T, context: TaskRunContext): Promise<ExecutionResult>;
}
