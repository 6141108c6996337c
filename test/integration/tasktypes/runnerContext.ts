import type { HostExecutor } from '../../../shared/exec/HostExecutor.js';
import { LOCAL_HOST } from '../../../shared/inventory/Host.js';
import type { TaskGroup } from '../../../shared/taskgroup/schema.js';
import type { TaskRunContext } from '../../../shared/tasktypes/TaskTypeRunner.js';
import type { Reference } from '../../../shared/vars/index.js';

/** An executor a runner-side task type must never use. */
const noExecutor: HostExecutor = {
  run: () => Promise.reject(new Error('runner-side task types do not use the host executor')),
  close: async () => {},
};

/**
 * The context of a runner-side task (secret, http) in tests: `values` answers `${{ inputs.x }}`
 * (key `inputs.x`) and `${{ tasks.t.outputs.v }}` (key `tasks.t.outputs.v`).
 */
export function runnerContext(
  values: Record<string, string> = {},
  overrides: Partial<TaskRunContext> = {},
): TaskRunContext {
  const key = (r: Reference): string =>
    r.kind === 'input' ? `inputs.${r.name}` : `tasks.${r.task}.outputs.${r.name}`;
  return {
    runId: 'run-1',
    group: { name: 'g', tasks: [] } as unknown as TaskGroup,
    host: LOCAL_HOST,
    attempt: 1,
    env: {},
    resolve: (reference) => values[key(reference)],
    timeoutMs: 5_000,
    confidential: [],
    executor: noExecutor,
    ...overrides,
  };
}
