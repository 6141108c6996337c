import type { z } from 'zod';
import type { ExecTaskSchema } from '../taskgroup/schema.js';
import { interpolate, substitute, VarsError } from '../vars/index.js';
import { notRun } from './notRun.js';
import type { TaskRunContext, TaskTypeRunner } from './TaskTypeRunner.js';

type ExecTask = z.infer<typeof ExecTaskSchema>;

/** Environment of a host task: `spec.env` (references substituted verbatim), then the imports. */
export function taskEnv(
  specEnv: Record<string, string> | undefined,
  context: TaskRunContext,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(specEnv ?? {})) env[name] = substitute(value, context.resolve);
  return { ...env, ...context.env };
}

/**
 * `type: exec`: the command, with `${{ }}` substituted shell-quoted, run by the host's executor.
 * A reference that cannot be resolved fails the host before anything is sent to it.
 */
export const execTask: TaskTypeRunner<ExecTask> = {
  async run(task, context) {
    let command: string;
    let env: Record<string, string>;
    let workdir: string | undefined;
    try {
      command = interpolate(task.spec.command, context.resolve);
      env = taskEnv(task.spec.env, context);
      workdir = task.spec.workdir === undefined ? undefined : substitute(task.spec.workdir, context.resolve);
    } catch (error) {
      if (error instanceof VarsError)
        return notRun(`task "${task.name}" on ${context.host.name}: ${error.message}`);
      throw error;
    }
    return context.executor.run({
      host: context.host,
      command,
      env,
      workdir,
      shell: task.spec.shell,
      timeoutMs: context.timeoutMs,
      signal: context.signal,
      confidential: context.confidential,
      collectOutputs: (task.exports ?? []).length > 0,
    });
  },
};
