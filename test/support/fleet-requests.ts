import type { ExecutionRequest } from '../../shared/exec/HostExecutor.js';
import type { Host } from '../../shared/inventory/Host.js';

/** An execution request with test defaults (no env, 10 s timeout, nothing confidential). */
export function execRequest(
  host: Host,
  command: string,
  overrides: Partial<ExecutionRequest> = {},
): ExecutionRequest {
  return { host, command, env: {}, timeoutMs: 10_000, confidential: [], ...overrides };
}

/** A marker unique to one test, to find that test's processes and nobody else's. */
export function uniqueSleepSeconds(): string {
  // `sleep 3600.<random>` runs for an hour and shows up in `pgrep -f` under a unique command line.
  return `3600.${Math.floor(Math.random() * 1e9)}`;
}

/**
 * Polls `probe` until it returns an empty list or `timeoutMs` passes; returns the last list. Killed
 * processes take a moment to disappear from /proc, which a single immediate look would misread.
 */
export async function untilNone(probe: () => Promise<number[]>, timeoutMs = 2_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
