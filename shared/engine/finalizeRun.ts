import type { RunnerDeps } from './RunnerDeps.js';
import { loadRunContext, now } from './runContext.js';

/** How a run ended. */
export type FinalRunStatus = 'succeeded' | 'failed' | 'cancelled';

/**
 * Last step of every run, also reached when something unexpected failed (`error`): every task and
 * host still without a terminal status gets one — hosts that never ran end `skipped` (or
 * `cancelled`), claims whose holder is gone end `unknown` — and the run gets its status
 * (DESIGN §4: nothing lost). Safe to repeat: every write is conditional.
 */
export async function finalizeRun(
  deps: RunnerDeps,
  input: { runId: string; error?: string },
): Promise<{ runId: string; status: FinalRunStatus }> {
  const { run, group } = await loadRunContext(deps, input.runId);
  const cancelled = (await deps.store.getRun(run.id))?.cancelRequested ?? run.cancelRequested;
  const statuses = await deps.store.getTaskStatuses(run.id);
  const reason = cancelled
    ? 'the run was cancelled'
    : input.error
      ? `the run stopped early: ${input.error}`
      : 'the task never started';
  for (const task of group.tasks) {
    const current = statuses[task.name]?.status;
    if (current !== undefined && current !== 'pending' && current !== 'running') continue;
    const plan = await deps.store.getTaskPlan(run.id, task.name);
    if (plan) {
      for (let shard = 0; shard < plan.shardCount; shard += 1) {
        const mark = { runId: run.id, task: task.name, shard, reason, force: true, now: now(deps) };
        if (cancelled) await deps.store.markCancelled(mark);
        else await deps.store.markSkipped(mark);
      }
    }
    const status = cancelled ? 'cancelled' : current === 'running' ? 'failed' : 'skipped';
    await deps.store.setTaskStatus({ runId: run.id, task: task.name, status, reason, now: now(deps) });
    deps.emit?.({ kind: 'task', runId: run.id, task: task.name, status, at: now(deps).toISOString() });
    statuses[task.name] = { status, reason };
  }
  const allSucceeded = group.tasks.every((t) => statuses[t.name]?.status === 'success');
  const status: FinalRunStatus = cancelled
    ? 'cancelled'
    : allSucceeded && !input.error
      ? 'succeeded'
      : 'failed';
  const finished = await deps.store.finishRun({
    runId: run.id,
    status,
    ...(input.error ? { error: input.error } : {}),
    now: now(deps),
  });
  const stored = finished.run.status === 'running' ? status : (finished.run.status as FinalRunStatus);
  if (finished.changed)
    deps.emit?.({
      kind: 'run',
      runId: run.id,
      taskGroup: group.name,
      status: stored,
      at: now(deps).toISOString(),
    });
  return { runId: run.id, status: stored };
}
