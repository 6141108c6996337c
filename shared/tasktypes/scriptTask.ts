import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { ScriptTaskSchema } from '../taskgroup/schema.js';
import { interpolate, shellQuote, substitute, VarsError } from '../vars/index.js';
import { taskEnv } from './execTask.js';
import { notRun } from './notRun.js';
import type { TaskTypeRunner } from './TaskTypeRunner.js';

type ScriptTask = z.infer<typeof ScriptTaskSchema>;

/**
 * `type: script`: ships the script to the host on the command's stdin, where a fixed wrapper saves
 * it to a temporary file and runs it with the interpreter and arguments; the file is removed
 * afterwards. `${{ }}` in the script are substituted shell-quoted, as in a command.
 */
export const scriptTask: TaskTypeRunner<ScriptTask> = {
  async run(task, context) {
    let script: string;
    let env: Record<string, string>;
    let args: string[];
    let workdir: string | undefined;
    try {
      const text =
        task.spec.inline ?? (await readFile(resolve(context.baseDir ?? '.', task.spec.file ?? ''), 'utf8'));
      script = interpolate(text, context.resolve);
      env = taskEnv(task.spec.env, context);
      args = (task.spec.args ?? []).map((arg) => substitute(arg, context.resolve));
      workdir = task.spec.workdir === undefined ? undefined : substitute(task.spec.workdir, context.resolve);
    } catch (error) {
      if (error instanceof VarsError)
        return notRun(`task "${task.name}" on ${context.host.name}: ${error.message}`);
      if (error instanceof Error && 'code' in error)
        return notRun(`task "${task.name}": cannot read script ${task.spec.file}: ${error.message}`);
      throw error;
    }
    const interpreter = task.spec.interpreter ?? '/bin/sh';
    const quotedArgs = args.map(shellQuote).join(' ');
    const command = `f="$(mktemp)" && cat >"$f" && { ${interpreter} "$f" ${quotedArgs}; rc=$?; rm -f "$f"; exit $rc; }`;
    return context.executor.run({
      host: context.host,
      command,
      env,
      workdir,
      stdin: script,
      timeoutMs: context.timeoutMs,
      signal: context.signal,
      confidential: context.confidential,
      collectOutputs: (task.exports ?? []).length > 0,
    });
  },
};
