import type { ExecutionResult } from '../exec/HostExecutor.js';

/** The result of an execution that never started, saying why (status `failed`, nothing ran). */
export function notRun(error: string): ExecutionResult {
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
