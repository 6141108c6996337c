import type { ShardLayout } from '../compile/shardPlan.js';

/** Task statuses (DESIGN §5). */
export type TaskStatus = 'success' | 'failed' | 'skipped' | 'timed_out' | 'cancelled';

/** Host statuses (DESIGN §5); `pending` and `running` are not terminal. */
export type HostStatus =
  | 'success'
  | 'failed'
  | 'timed_out'
  | 'skipped'
  | 'cancelled'
  | 'unreachable'
  | 'unknown';

/** Host statuses that count against a task's `tolerated_failures`. */
export const FAILING_HOST_STATUSES: ReadonlySet<HostStatus> = new Set([
  'failed',
  'timed_out',
  'unreachable',
  'unknown',
]);

/**
 * What a task gate returns to the state machine: the next wave to fan out, or the task's end.
 * It is the `$.cursor` of the compiled definition, so it stays small: shard numbers only.
 */
export type Cursor =
  | { action: 'run-wave'; wave: number; shards: number[] }
  | { action: 'done'; status: TaskStatus };

/** Why a task must not start, or undefined when it may. */
export function reasonNotToStart(input: {
  dependencies: Readonly<Record<string, TaskStatus | undefined>>;
  cancelRequested: boolean;
  stopRequested: boolean;
}): { status: 'skipped' | 'cancelled'; reason: string } | undefined {
  if (input.cancelRequested)
    return { status: 'cancelled', reason: 'the run was cancelled before this task started' };
  if (input.stopRequested)
    return { status: 'skipped', reason: 'an earlier task failed with on_failure: stop' };
  const unmet = Object.entries(input.dependencies).filter(([, status]) => status !== 'success');
  if (unmet.length > 0) {
    const [name, status] = unmet[0] as [string, TaskStatus | undefined];
    return { status: 'skipped', reason: `dependency "${name}" ended ${status ?? 'without a status'}` };
  }
  return undefined;
}

/** The first wave of a task that may start. */
export function firstWave(layout: ShardLayout): Cursor {
  const wave = layout.waves[0];
  if (!wave) return { action: 'done', status: 'success' };
  return { action: 'run-wave', wave: 0, shards: wave.shards };
}

/**
 * After a wave: go on to the next wave, or end the task. A rollout stops as soon as the failed
 * hosts exceed the tolerance; the hosts of waves that never ran are then skipped by the caller.
 */
export function afterWave(input: {
  layout: ShardLayout;
  wave: number;
  failedHosts: number;
  cancelRequested: boolean;
}): Cursor {
  const { layout, wave, failedHosts } = input;
  if (input.cancelRequested) return { action: 'done', status: 'cancelled' };
  if (failedHosts > layout.toleratedFailures) return { action: 'done', status: 'failed' };
  const next = layout.waves[wave + 1];
  if (!next) return { action: 'done', status: 'success' };
  return { action: 'run-wave', wave: wave + 1, shards: next.shards };
}
