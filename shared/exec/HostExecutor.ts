import type { Host } from '../inventory/Host.js';

/** Statuses an executor can give one host execution (DESIGN §5 minus the run-level ones). */
export type ExecutionStatus = 'success' | 'failed' | 'timed_out' | 'unreachable' | 'cancelled';

/** What one host execution needs. Values are final: interpolation happened before. */
export interface ExecutionRequest {
  host: Host;
  /** Shell command text, run by `shell -c` (default /bin/sh). */
  command: string;
  /** Environment variables for the command (imports, spec.env). Never placed on a command line. */
  env: Readonly<Record<string, string>>;
  workdir?: string | undefined;
  shell?: string | undefined;
  /** Bytes written to the command's stdin (a `script` task ships its script this way). */
  stdin?: string | undefined;
  /** Bound on the execution; on expiry the remote process group is killed. */
  timeoutMs: number;
  /** Aborts the execution (run cancelled): the process group is killed, status `cancelled`. */
  signal?: AbortSignal | undefined;
  /** Values to mask as `***` in every captured byte. */
  confidential: readonly string[];
  /**
   * False when the caller keeps none of the command's outputs (its task exports nothing): an
   * executor may then point `$STEPFLEET_OUTPUT` at /dev/null and spare the host the file. Default
   * true.
   */
  collectOutputs?: boolean | undefined;
}

/** Captured output of one stream: head and tail kept, the middle counted. */
export interface CapturedText {
  text: string;
  droppedBytes: number;
}

/** What came back from one host execution. */
export interface ExecutionResult {
  status: ExecutionStatus;
  exitCode: number | null;
  /** Signal name when the process was killed by one (`SIGKILL`). */
  signal: string | null;
  stdout: CapturedText;
  stderr: CapturedText;
  /** Every name=value the command wrote to $STEPFLEET_OUTPUT (filtering to declared exports is the caller's job). */
  outputs: Record<string, string>;
  /** Why the execution did not succeed, in one line naming the host; null on success. */
  error: string | null;
  startedAt: string;
  durationMs: number;
}

/**
 * Runs commands on hosts of one transport. An executor may keep one connection per host and reuse
 * it across requests until {@link HostExecutor.close}. It never throws for a host problem: every
 * failure is an {@link ExecutionResult} with a status.
 */
export interface HostExecutor {
  run(request: ExecutionRequest): Promise<ExecutionResult>;
  /**
   * Opens the host's connection ahead of its first request, which then uses it; nothing runs on
   * the host. Settles once the connection is open or has failed (a failure is left for that
   * request to meet and report); never rejects. Optional: executors without a connection to open
   * leave it out.
   */
  connect?(host: Host): Promise<void>;
  /** Closes the host's connection, if one is open; a later request opens a new one. Optional. */
  release?(host: Host): void;
  close(): Promise<void>;
}
