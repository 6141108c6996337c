import type { ExecutionResult } from '../exec/HostExecutor.js';
import type { Task } from '../taskgroup/schema.js';
import { execTask } from '../tasktypes/execTask.js';
import { notRun } from '../tasktypes/notRun.js';
import { scriptTask } from '../tasktypes/scriptTask.js';
import type { TaskRunContext } from '../tasktypes/TaskTypeRunner.js';
import type { RunnerDeps } from './RunnerDeps.js';

/** Dispatches one attempt to its task type: host types run here, runner types come injected. */
export async function runTaskType(
  deps: RunnerDeps,
  task: Task,
  context: TaskRunContext,
): Promise<ExecutionResult> {
  switch (task.type) {
    case 'exec':
      return execTask.run(task, context);
    case 'script':
      return scriptTask.run(task, context);
    case 'secret':
    case 'http': {
      const runner = deps.taskTypes[task.type];
      if (!runner) return notRun(`this runner has no ${task.type} task support configured`);
      return runner.run(task, context);
    }
  }
}
