import type { RunEvent } from '../../shared/engine/RunnerDeps.js';

/** One task's progress as the run's events tell it. */
export interface TaskProgressView {
  name: string;
  status: string;
  hosts: number | undefined;
  running: number;
  succeeded: number;
  failed: number;
  other: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

const FAILED = new Set(['failed', 'timed_out', 'unreachable', 'unknown']);

/** Folds run events into per-task counts for the live display; knows nothing of terminals. */
export class ProgressModel {
  readonly #tasks = new Map<string, TaskProgressView>();
  readonly #hostState = new Map<string, string>();

  constructor(taskNames: readonly string[]) {
    for (const name of taskNames) {
      this.#tasks.set(name, {
        name,
        status: 'pending',
        hosts: undefined,
        running: 0,
        succeeded: 0,
        failed: 0,
        other: 0,
        startedAt: undefined,
        endedAt: undefined,
      });
    }
  }

  /** Applies one event; returns the task it changed, if any. */
  apply(event: RunEvent, at = Date.now()): TaskProgressView | undefined {
    if (event.kind === 'run') return undefined;
    const task = this.#tasks.get(event.task);
    if (!task) return undefined;
    if (event.kind === 'task') {
      task.status = event.status;
      if (event.hosts !== undefined) task.hosts = event.hosts;
      if (event.status === 'running') task.startedAt ??= at;
      else task.endedAt = at;
      return task;
    }
    const key = `${event.task}\u0000${event.host}`;
    const before = this.#hostState.get(key);
    const after = event.status.includes('will retry') ? 'running' : event.status;
    if (before) this.#count(task, before, -1);
    this.#count(task, after, +1);
    this.#hostState.set(key, after);
    return task;
  }

  tasks(): TaskProgressView[] {
    return [...this.#tasks.values()];
  }

  #count(task: TaskProgressView, status: string, delta: number): void {
    if (status === 'running') task.running += delta;
    else if (status === 'success') task.succeeded += delta;
    else if (FAILED.has(status)) task.failed += delta;
    else task.other += delta;
  }
}

/** `1.2s`, `3m04s`: elapsed time for people. */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
