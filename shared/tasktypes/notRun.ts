import { failedWithoutOutput } from '../exec/failedWithoutOutput.js';
import type { ExecutionResult } from '../exec/HostExecutor.js';

/** The result of an execution that never started, saying why (status `failed`, nothing ran). */
export function notRun(error: string): ExecutionResult {
  return failedWithoutOutput(error);
}
