import { StepfleetError, UnknownTaskGroupError } from '../errors.js';
import type { RunRecord } from '../store/types.js';
import type { Task, TaskGroup } from '../taskgroup/schema.js';
import type { CatalogEntry, RunnerDeps } from './RunnerDeps.js';

/** A run's record with its TaskGroup: what every core function starts from. */
export interface RunContext {
  run: RunRecord;
  entry: CatalogEntry;
  group: TaskGroup;
}

/** Loads a run and its TaskGroup, or fails with a non-retryable error naming what is missing. */
export async function loadRunContext(deps: RunnerDeps, runId: string): Promise<RunContext> {
  const run = await deps.store.getRun(runId);
  if (!run) throw new StepfleetError('UNKNOWN_RUN', `run ${runId} is not in the run store`);
  const entry = await deps.catalog.get(run.taskGroup);
  if (!entry) throw new UnknownTaskGroupError(run.taskGroup);
  return { run, entry, group: entry.group };
}

/** The task of a group by name, or a non-retryable error (the definition and catalog disagree). */
export function taskNamed(group: TaskGroup, name: string): Task {
  const task = group.tasks.find((t) => t.name === name);
  if (!task) throw new StepfleetError('UNKNOWN_TASK', `TaskGroup "${group.name}" has no task "${name}"`);
  return task;
}

/** `on_failure` of a task, falling back to the group's default, then `stop` (DESIGN §4). */
export function onFailure(group: TaskGroup, task: Task): 'stop' | 'continue' {
  return task.on_failure ?? group.defaults?.on_failure ?? 'stop';
}

/** Whether a task's exports of this name are confidential (a `secret` task's are by default). */
export function isConfidentialExport(task: Task, name: string): boolean {
  const declared = task.exports?.find((e) => e.name === name);
  return declared?.confidential ?? task.type === 'secret';
}

/** The current time from the injected clock. */
export function now(deps: RunnerDeps): Date {
  return deps.clock?.() ?? new Date();
}
