import { layoutShards, type ShardLayout } from '../compile/shardPlan.js';
import { StepfleetError } from '../errors.js';
import type { TaskCounts } from '../store/types.js';
import { afterWave, type Cursor, firstWave, reasonNotToStart, type TaskStatus } from './gateDecisions.js';
import type { RunnerDeps } from './RunnerDeps.js';
import { loadRunContext, now, onFailure, taskNamed } from './runContext.js';

export interface TaskGateInput {
  runId: string;
  task: string;
  action: 'start' | 'wave-done';
  wave?: number;
}

const NOT_REACHED =
  'no runner reached this host: its invocation failed or ran out of time before starting it';

/**
 * The decision step before a task and after each of its waves (DESIGN §4). Before: start the first
 * wave, or skip the task (a dependency did not succeed, the run is stopping or cancelled). After a
 * wave: give every host of the wave a stored terminal status, count failures against the tolerance,
 * then start the next wave or end the task, closing the hosts of waves that will not run.
 */
export async function taskGate(deps: RunnerDeps, input: TaskGateInput): Promise<Cursor> {
  const { run, group } = await loadRunContext(deps, input.runId);
  const task = taskNamed(group, input.task);
  if (input.action === 'start' && run.rerun?.reuse.includes(task.name)) {
    return finish(deps, run.id, task.name, 'success', `succeeded in run ${run.rerun.of}; not run again`, 0);
  }
  const plan = await deps.store.getTaskPlan(run.id, task.name);
  if (!plan)
    throw new StepfleetError(
      'NO_PLAN',
      `task "${task.name}" of run ${run.id} has no plan: prepare-run did not finish`,
    );
  const layout = layoutShards(plan.hostCount, task.strategy);

  if (input.action === 'start') {
    const statuses = await deps.store.getTaskStatuses(run.id);
    const stopRequested = group.tasks.some(
      (t) => statuses[t.name]?.status === 'failed' && onFailure(group, t) === 'stop',
    );
    const dependencies = Object.fromEntries(
      (task.depends_on ?? []).map((d) => [d, terminal(statuses[d]?.status)]),
    );
    const refusal = reasonNotToStart({ dependencies, cancelRequested: run.cancelRequested, stopRequested });
    if (refusal) {
      await closeWaves(deps, run.id, task.name, layout, 0, refusal.status, refusal.reason);
      return finish(deps, run.id, task.name, refusal.status, refusal.reason, plan.hostCount);
    }
    await deps.store.setTaskStatus({ runId: run.id, task: task.name, status: 'running', now: now(deps) });
    deps.emit?.({
      kind: 'task',
      runId: run.id,
      task: task.name,
      status: 'running',
      hosts: plan.hostCount,
      at: now(deps).toISOString(),
    });
    return firstWave(layout);
  }

  const waveIndex = input.wave ?? 0;
  const wave = layout.waves[waveIndex];
  if (!wave) throw new StepfleetError('UNKNOWN_WAVE', `task "${task.name}" has no wave ${waveIndex}`);
  const ranSoFar = layout.waves.slice(0, waveIndex + 1).reduce((sum, w) => sum + w.hostCount, 0);
  let counts = await deps.store.getTaskCounts({ runId: run.id, task: task.name });
  // Usually every host of the wave already has its result; only when some do not (an invocation
  // crashed or ran out of time) are the wave's hosts swept, which gives each a terminal status.
  if (counts.finished < ranSoFar) {
    for (const shard of wave.shards) {
      await deps.store.markNotRun({
        runId: run.id,
        task: task.name,
        shard,
        reason: NOT_REACHED,
        now: now(deps),
      });
    }
    counts = await deps.store.getTaskCounts({ runId: run.id, task: task.name });
  }
  const fresh = await deps.store.getRun(run.id);
  const cursor = afterWave({
    layout,
    wave: waveIndex,
    failedHosts: failing(counts) + Math.max(0, ranSoFar - counts.finished),
    cancelRequested: fresh?.cancelRequested ?? run.cancelRequested,
  });
  if (cursor.action === 'run-wave') return cursor;
  const reason =
    cursor.status === 'failed'
      ? `${failing(counts)} of ${plan.hostCount} hosts failed; ${layout.toleratedFailures} tolerated`
      : cursor.status === 'cancelled'
        ? 'the run was cancelled'
        : undefined;
  await closeWaves(
    deps,
    run.id,
    task.name,
    layout,
    waveIndex + 1,
    cursor.status === 'cancelled' ? 'cancelled' : 'skipped',
    reason ?? 'rollout stopped',
  );
  return finish(deps, run.id, task.name, cursor.status, reason, plan.hostCount);
}

/** Hosts that count against `tolerated_failures`. */
export function failing(counts: TaskCounts): number {
  return counts.failed + counts.timed_out + counts.unreachable + counts.unknown;
}

/** Gives every host of waves `from`… a terminal status: they will not run. */
async function closeWaves(
  deps: RunnerDeps,
  runId: string,
  task: string,
  layout: ShardLayout,
  from: number,
  status: 'skipped' | 'cancelled',
  reason: string,
): Promise<void> {
  for (const wave of layout.waves.slice(from)) {
    for (const shard of wave.shards) {
      const mark = { runId, task, shard, reason, now: now(deps) };
      if (status === 'cancelled') await deps.store.markCancelled(mark);
      else await deps.store.markSkipped(mark);
    }
  }
}

async function finish(
  deps: RunnerDeps,
  runId: string,
  task: string,
  status: TaskStatus,
  reason: string | undefined,
  hosts: number,
): Promise<Cursor> {
  await deps.store.setTaskStatus({ runId, task, status, ...(reason ? { reason } : {}), now: now(deps) });
  deps.emit?.({ kind: 'task', runId, task, status, hosts, at: now(deps).toISOString() });
  return { action: 'done', status };
}

function terminal(status: string | undefined): TaskStatus | undefined {
  return status === 'pending' || status === 'running' ? undefined : (status as TaskStatus | undefined);
}
