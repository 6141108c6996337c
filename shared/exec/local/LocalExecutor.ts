import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LaunchError,
  type LaunchedProcess,
  type ProcessEnd,
  type ProcessSinks,
  type SupervisionOptions,
  shellInvocation,
  superviseExecution,
} from '../capture/superviseExecution.js';
import type { ExecutionRequest, ExecutionResult, HostExecutor } from '../HostExecutor.js';

/** Options of {@link LocalExecutor}. */
export interface LocalExecutorOptions extends SupervisionOptions {
  /** Environment the command starts from, before the request's variables; default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
}

/**
 * Runs commands on the runner itself (`targets: [local]`): the shell is a child process in a process
 * group of its own, so a timeout or a cancel kills everything it started. The command inherits the
 * runner's environment plus the request's variables and `STEPFLEET_OUTPUT`.
 */
export class LocalExecutor implements HostExecutor {
  readonly #options: LocalExecutorOptions;

  constructor(options: LocalExecutorOptions = {}) {
    this.#options = options;
  }

  /** Runs one request; never throws for a problem of the command. */
  run(request: ExecutionRequest): Promise<ExecutionResult> {
    return superviseExecution(request, (sinks) => this.#launch(request, sinks), this.#options);
  }

  /** Nothing is kept between runs. */
  async close(): Promise<void> {}

  async #launch(request: ExecutionRequest, sinks: ProcessSinks): Promise<LaunchedProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'stepfleet-'));
    const outputFile = join(dir, 'output');
    // Created up front, private to the user, so a command can append to it without creating it.
    await (await open(outputFile, 'wx', 0o600)).close();
    const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true }).catch(() => {});

    const invocation = shellInvocation(request);
    const [program = '/bin/sh', ...args] = invocation.argv;
    let child: ChildProcess;
    try {
      child = await started(
        spawn(program, args, {
          cwd: request.workdir,
          env: {
            ...(this.#options.baseEnv ?? process.env),
            ...request.env,
            ...invocation.env,
            STEPFLEET_OUTPUT: outputFile,
          },
          // Its own process group, so the kill reaches every process the command starts.
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      );
    } catch (error) {
      await removeDir();
      const where = request.workdir === undefined ? '' : ` in ${request.workdir}`;
      throw new LaunchError('failed', `cannot start ${program}${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }

    child.stdout?.on('data', sinks.stdout);
    child.stderr?.on('data', sinks.stderr);
    // A command that does not read its stdin closes the pipe; that is not an error of the run.
    child.stdin?.on('error', () => {});
    child.stdin?.end(request.stdin ?? '');

    const finished = new Promise<ProcessEnd>((resolve) => {
      child.once('close', (exitCode, signal) => resolve({ kind: 'exited', exitCode, signal }));
    });
    const pid = child.pid;
    return {
      finished,
      kill: async () => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      },
      readOutputFile: async (limitBytes) => {
        const file = await open(outputFile, 'r');
        try {
          const buffer = Buffer.alloc(limitBytes + 1);
          const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
          return buffer.subarray(0, bytesRead);
        } finally {
          await file.close();
        }
      },
      cleanup: removeDir,
    };
  }
}

/** Resolves once the OS has started the child; rejects with the spawn error (missing shell or workdir). */
function started(child: ChildProcess): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    // Kept after the start, so a late error event has a listener and cannot crash the runner.
    child.on('error', reject);
  });
}
