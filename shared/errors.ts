import type { Diagnostic } from './diagnostics/Diagnostic.js';

/** Base of stepfleet's errors: a stable `code` that callers and tests match on. */
export class StepfleetError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepfleetError';
  }
}

/** A run request (inputs, targets, TaskGroup name) that cannot start; `details` say why, located. */
export class InvalidRunRequestError extends StepfleetError {
  constructor(
    message: string,
    readonly details: Diagnostic[],
  ) {
    super('INVALID_RUN_REQUEST', message);
    this.name = 'InvalidRunRequestError';
  }
}

/** A TaskGroup name the runner does not know. */
export class UnknownTaskGroupError extends StepfleetError {
  constructor(readonly taskGroup: string) {
    super('UNKNOWN_TASK_GROUP', `TaskGroup "${taskGroup}" is not deployed`);
    this.name = 'UnknownTaskGroupError';
  }
}

/**
 * Transient trouble (a throttled store, a claim still held by a live invocation). Its `name` is
 * what the compiled state machine's Retry rules match, so it must stay `Stepfleet.RetryableError`.
 */
export class RetryableError extends StepfleetError {
  constructor(message: string) {
    super('RETRYABLE', message);
    this.name = 'Stepfleet.RetryableError';
  }
}
