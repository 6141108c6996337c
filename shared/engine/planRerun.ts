import { StepfleetError } from '../errors.js';
import type { RerunScope, RunResult } from '../store/types.js';

const FAILED_TASK = new Set(['failed', 'timed_out']);

/**
 * What `stepfleet rerun RUN --failed` repeats: in each failed task, the hosts that did not succeed
 * (failed, timed out, unreachable, unknown, and those a stopped rollout skipped); every task that
 * did not run or did not finish in full, which includes everything downstream of a failure; and
 * nothing that succeeded, whose outputs the new run reads from the old one.
 */
export function planRerun(previous: RunResult): RerunScope {
  if (previous.status === 'running')
    throw new StepfleetError('RUN_IN_PROGRESS', `run ${previous.id} is still running`);
  const reuse: string[] = [];
  const hosts: Record<string, string[]> = {};
  for (const task of Object.values(previous.results)) {
    if (task.status === 'success') reuse.push(task.name);
    else if (FAILED_TASK.has(task.status)) {
      const again = Object.entries(task.hosts)
        .filter(([, host]) => host.status !== 'success')
        .map(([name]) => name);
      if (again.length > 0) hosts[task.name] = again;
    }
  }
  if (reuse.length === Object.keys(previous.results).length) {
    throw new StepfleetError(
      'NOTHING_TO_RERUN',
      `every task of run ${previous.id} succeeded: nothing to run again`,
    );
  }
  return { of: previous.id, reuse, hosts };
}
