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
 * it to a temporary file and runs it with the interpreter and arguments; the file is gone before
 * the script starts (Linux) or removed afterwards. `${{ }}` in the script are substituted
 * shell-quoted, as in a command.
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
    // Where /proc is (Linux), the copy is unlinked before the script is written into it and the
    // interpreter opens it through /proc/self/fd/9: no copy of the script (whose `${{ }}` may hold
    // confidential values) outlives the command, whatever ends it, a timeout's kill -9 included.
    // Elsewhere the copy is removed when the interpreter returns.
    const command =
      `f="$(mktemp)" && if [ -d /proc/self/fd ]; then ` +
      `exec 9<>"$f" && rm -f "$f" && cat >&9 && exec ${interpreter} /proc/self/fd/9 ${quotedArgs}; ` +
      `else cat >"$f" && { ${interpreter} "$f" ${quotedArgs}; rc=$?; rm -f "$f"; exit $rc; }; fi`;
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
