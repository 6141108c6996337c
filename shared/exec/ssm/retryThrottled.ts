/** Exponential backoff: the n-th wait (0-based) is `initialMs × factor^n`, at most `maxMs`, jittered. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** Time as the SSM code sees it; tests give a fake one so that nothing really waits. */
export interface RetryClock {
  sleep(ms: number): Promise<void>;
  now(): number;
  /** A number in [0, 1), as `Math.random`. */
  random(): number;
}

/** The real clock. */
export const SYSTEM_CLOCK: RetryClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: () => Math.random(),
};

/**
 * Error names AWS uses for "slow down". SSM throws `ThrottlingException`; the others come from
 * other services and gateways and cost nothing to recognise.
 */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
]);

/**
 * The n-th wait of a backoff with "equal jitter": half of the exponential delay is kept, the other
 * half is random. Many hosts polling at once then spread out, yet no wait collapses to nothing.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Whether an AWS SDK error says the caller is being throttled (by name or by the SDK's own flag). */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $retryable } = error as { name?: unknown; $retryable?: { throttling?: boolean } };
  return (typeof name === 'string' && THROTTLING_ERROR_NAMES.has(name)) || $retryable?.throttling === true;
}

/** Options of {@link retryThrottled}. */
export interface RetryThrottledOptions {
  clock: RetryClock;
  policy: BackoffPolicy;
  /** Calls made at most, the first one included. */
  maxAttempts: number;
  /** Clock time after which no retry starts (the caller's own deadline). */
  deadline?: number;
  /** Errors other than throttling to retry too (`InvocationDoesNotExist` right after SendCommand). */
  alsoRetry?: (error: unknown, attempt: number) => boolean;
  /** No retry starts once this is aborted (the run was cancelled). */
  signal?: AbortSignal | undefined;
}

/**
 * Calls `call` until it does not fail with a throttling error (or an `alsoRetry` one), waiting a
 * jittered exponential backoff between calls. Rethrows the last error when attempts run out, when
 * the next wait would pass the deadline, or at once for any other error. This sits on top of the
 * SDK's own retries, which give up after three quick attempts: a fleet-wide run can be throttled
 * for longer than that.
 */
export async function retryThrottled<T>(call: () => Promise<T>, options: RetryThrottledOptions): Promise<T> {
  const { clock, policy, maxAttempts, deadline } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = isThrottlingError(error) || options.alsoRetry?.(error, attempt) === true;
      if (!retryable || attempt + 1 >= maxAttempts || options.signal?.aborted) throw error;
      const wait = backoffDelay(attempt, policy, clock.random);
      if (deadline !== undefined && clock.now() + wait > deadline) throw error;
      await clock.sleep(wait);
      if (options.signal?.aborted) throw error;
    }
  }
}
