import { PATTERNS } from '../../taskgroup/patterns.js';
import { createOutputCapture, type OutputCapOptions, parseOutputFile } from '../../vars/index.js';
import type { ExecutionRequest, ExecutionResult, ExecutionStatus } from '../HostExecutor.js';

/** How a started process ended. `lost`: the transport broke, so whether it finished is not known. */
export type ProcessEnd =
  | { kind: 'exited'; exitCode: number | null; signal: string | null }
  | { kind: 'lost'; reason: string };

/** Where a launched process sends its output. */
export interface ProcessSinks {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/** One started command, as a transport (local child process, SSH channel) exposes it. */
export interface LaunchedProcess {
  /** Settles once the process has exited and its output streams are closed. Never rejects. */
  readonly finished: Promise<ProcessEnd>;
  /** Kills the command's whole process group. Never rejects; a failure is reported through `finished`. */
  kill(): Promise<void>;
  /** The bytes the command wrote to `$STEPFLEET_OUTPUT`, at most `limitBytes + 1` of them. Call after `finished`. */
  readOutputFile(limitBytes: number): Promise<Buffer>;
  /** Removes the execution's temporary files. Called once, last. Never rejects. */
  cleanup(): Promise<void>;
}

/**
 * Thrown by a launcher when the command could not be started; `status` says whether the host was
 * out of reach (`unreachable`) or reached but unable to start it (`failed`). Nothing ran either way.
 */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  constructor(
    readonly status: 'unreachable' | 'failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Starts the request's command; rejects with {@link LaunchError} when it could not. */
export type Launcher = (sinks: ProcessSinks) => Promise<LaunchedProcess>;

export interface SupervisionOptions {
  /** Bytes kept of each captured stream, from its head and its tail; default 16 KiB + 48 KiB. */
  capture?: Pick<OutputCapOptions, 'headBytes' | 'tailBytes'>;
  /** How long to wait for the process to go away after the kill before giving up on it. */
  killGraceMs?: number;
}

/** Bound on the `$STEPFLEET_OUTPUT` file read back: outputs are small values, not artefacts. */
export const OUTPUT_FILE_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 5_000;

/**
 * Runs one host execution through a transport and turns what happened into an
 * {@link ExecutionResult}: validates the request, enforces the timeout and the abort signal (both
 * kill the process group), captures and masks both streams, reads back `$STEPFLEET_OUTPUT`, and
 * decides the status. This is the part every executor shares; transports only launch and kill.
 * Never throws for a host problem.
 */
export async function superviseExecution(
  request: ExecutionRequest,
  launch: Launcher,
  options: SupervisionOptions = {},
): Promise<ExecutionResult> {
  const startedAt = new Date();
  const host = request.host.name;
  // Masked on the raw byte stream first, then capped (shared/vars), so no kept byte was unmasked.
  const stdout = createOutputCapture({ ...options.capture, secrets: request.confidential });
  const stderr = createOutputCapture({ ...options.capture, secrets: request.confidential });
  const finish = (fields: Partial<ExecutionResult> & { status: ExecutionStatus }): ExecutionResult => ({
    exitCode: null,
    signal: null,
    outputs: {},
    error: null,
    ...fields,
    stdout: stdout.finish(),
    stderr: stderr.finish(),
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
  });

  const invalid = checkRequest(request);
  if (invalid !== undefined)
    return finish({ status: 'failed', error: `${host}: ${invalid}; nothing was run` });
  if (request.signal?.aborted)
    return finish({ status: 'cancelled', error: `${host}: cancelled before it started` });

  // The clock runs from here, so a slow connection counts against the timeout, as users expect of
  // "this host may take at most 5m".
  let stopReason: 'timed_out' | 'cancelled' | undefined;
  let onStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  const timer = setTimeout(() => {
    stopReason ??= 'timed_out';
    onStop();
  }, request.timeoutMs);
  const onAbort = (): void => {
    stopReason ??= 'cancelled';
    onStop();
  };
  request.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    let proc: LaunchedProcess;
    try {
      proc = await launch({ stdout: (c) => stdout.push(c), stderr: (c) => stderr.push(c) });
    } catch (error) {
      const status = error instanceof LaunchError ? error.status : 'failed';
      return finish({ status, error: `${host}: ${errorMessage(error)}` });
    }

    let end = await Promise.race([proc.finished, stopRequested.then(() => undefined)]);
    let killNote = '';
    if (end === undefined) {
      await proc.kill();
      const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
      end = await Promise.race([proc.finished, delay(grace).then(() => undefined)]);
      if (end === undefined) killNote = `; its session did not close within ${grace} ms of the kill`;
    }

    let outputs: Record<string, string> = {};
    let outputProblem: string | undefined;
    if (stopReason === undefined && end?.kind === 'exited') {
      try {
        const bytes = await proc.readOutputFile(OUTPUT_FILE_LIMIT_BYTES);
        if (bytes.length > OUTPUT_FILE_LIMIT_BYTES) {
          outputProblem = `$STEPFLEET_OUTPUT holds more than ${OUTPUT_FILE_LIMIT_BYTES} bytes`;
        } else {
          const parsed = parseOutputFile(bytes);
          outputs = parsed.outputs;
          // A sloppy line does not fail the host (shared/vars' rule), but the user must see it: the
          // result has no warnings field, so the note goes where they look, at the end of stderr.
          for (const problem of parsed.problems)
            stderr.push(`[stepfleet] $STEPFLEET_OUTPUT: ${problem.message}\n`);
        }
      } catch (error) {
        outputProblem = `could not read $STEPFLEET_OUTPUT: ${errorMessage(error)}`;
      }
    }
    await proc.cleanup();

    const exitCode = end?.kind === 'exited' ? end.exitCode : null;
    const signal = end?.kind === 'exited' ? end.signal : null;
    let problem: string | undefined;
    if (stopReason !== undefined) {
      const what =
        stopReason === 'timed_out' ? `timed out after ${formatMs(request.timeoutMs)}` : 'cancelled';
      problem = `${what}; the process group was killed${killNote}`;
    } else if (end === undefined || end.kind === 'lost') {
      // The transport broke while the command ran (`undefined` only follows a stop, handled above).
      problem = `${end?.reason ?? 'the process did not report an exit'}; the command may have partly run`;
    } else if (signal !== null) {
      problem = `killed by ${signal}`;
    } else if (exitCode !== 0) {
      problem = `exited with code ${exitCode}`;
    } else {
      problem = outputProblem;
    }
    return finish({
      status: stopReason ?? (problem === undefined ? 'success' : 'failed'),
      exitCode,
      signal,
      outputs,
      error: problem === undefined ? null : `${host}: ${problem}`,
    });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The argv that runs `command` under `shell` (default `/bin/sh`). A shell given with arguments
 * (`bash -eo pipefail`) is split on whitespace, as GitHub Actions does for `shell:`.
 */
export function shellArgv(shell: string | undefined, command: string): string[] {
  const words = (shell ?? '/bin/sh').trim().split(/\s+/).filter(Boolean);
  return [...(words.length > 0 ? words : ['/bin/sh']), '-c', command];
}

/** The variable that carries a command holding a confidential value to its shell. */
const COMMAND_VARIABLE = 'STEPFLEET_COMMAND_';

/**
 * How to start a request's command: `shell -c COMMAND`; or, when the command text holds a
 * confidential value (a `${{ }}` reference substituted into it), `shell -c 'eval …'` with the text
 * in an environment variable that the shell removes before running it. A command line is readable
 * by every user of the host (`ps`); an environment only by the command's own user.
 */
export function shellInvocation(request: Pick<ExecutionRequest, 'shell' | 'command' | 'confidential'>): {
  argv: string[];
  env: Record<string, string>;
} {
  const secret = request.confidential.some((value) => value !== '' && request.command.includes(value));
  if (!secret) return { argv: shellArgv(request.shell, request.command), env: {} };
  return {
    argv: shellArgv(request.shell, `eval "unset ${COMMAND_VARIABLE}; $${COMMAND_VARIABLE}"`),
    env: { [COMMAND_VARIABLE]: request.command },
  };
}

/** Problems that would make the command run differently from what was asked; undefined when fine. */
function checkRequest(request: ExecutionRequest): string | undefined {
  for (const [name, value] of Object.entries(request.env)) {
    if (!PATTERNS.envName.test(name)) return `environment variable name "${name}" is not a valid name`;
    // The OS cannot carry NUL in an environment value; truncating it silently would change it.
    if (value.includes('\0')) return `environment variable ${name} contains a NUL character`;
  }
  if (request.command.includes('\0')) return 'the command contains a NUL character';
  if (!(request.timeoutMs > 0)) return `timeout must be positive, got ${request.timeoutMs} ms`;
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
