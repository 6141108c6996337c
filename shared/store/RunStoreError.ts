/** Stable codes of {@link RunStoreError}: tools and tests match on them, so a code is never renamed. */
export type RunStoreErrorCode =
  | 'RUN_NOT_FOUND'
  | 'PLAN_NOT_FOUND'
  | 'SHARD_NOT_FOUND'
  | 'ITEM_TOO_LARGE'
  | 'INVALID_ARGUMENT'
  | 'DECRYPTION_FAILED';

/**
 * A run store problem that retrying cannot fix (a missing run or plan, an argument out of range,
 * data that cannot fit an item). Throttling and network errors keep their AWS SDK error names, so
 * a state machine's `Retry` can match those and never this one.
 */
export class RunStoreError extends Error {
  override readonly name = 'RunStoreError';

  constructor(
    readonly code: RunStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
