import type { ExecutionResult } from './HostExecutor.js';

/** A `failed` result with nothing captured: an execution that did not run, or was not reported on. */
export function failedWithoutOutput(error: string): ExecutionResult {
  const empty = { text: '', droppedBytes: 0 };
  return {
    status: 'failed',
    exitCode: null,
    signal: null,
    stdout: empty,
    stderr: empty,
    outputs: {},
    error,
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
}
