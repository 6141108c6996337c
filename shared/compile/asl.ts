/** The subset of Amazon States Language the compiler emits. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RetryRule {
  ErrorEquals: string[];
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface CatchRule {
  ErrorEquals: string[];
  ResultPath: string | null;
  Next: string;
}

export type State = { [key: string]: JsonValue | undefined } & { Type: string };

export interface StateMachine {
  Comment: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
}

/** Errors of the Lambda service itself and throttling: safe to retry because handlers claim work. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * The error name handlers throw for transient trouble (a throttled store, say). Retry and Catch
 * match it by name, never by searching messages.
 */
export const RETRYABLE_ERROR = 'Stepfleet.RetryableError';
