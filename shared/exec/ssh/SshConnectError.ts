/** Why an SSH connection could not be used. Stable: callers and tests match on it. */
export type SshConnectErrorCode =
  | 'CONNECT_REFUSED'
  | 'CONNECT_TIMEOUT'
  | 'CONNECT_FAILED'
  | 'AUTH_FAILED'
  | 'IDENTITY_UNAVAILABLE'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_MISMATCH'
  | 'HOST_KEY_REVOKED';

/** A host could not be reached or authenticated over SSH; nothing ran on it. */
export class SshConnectError extends Error {
  override readonly name: string = 'SshConnectError';
  constructor(
    readonly code: SshConnectErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The host presented a key other than the pinned or known one. The connection is refused before
 * authentication, so nothing is sent to the host.
 */
export class HostKeyMismatchError extends SshConnectError {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    readonly host: string,
    /** `SHA256:…` fingerprints of the keys the host was expected to present. */
    readonly expected: readonly string[],
    /** `SHA256:…` fingerprint of the key it presented. */
    readonly presented: string,
    message: string,
  ) {
    super('HOST_KEY_MISMATCH', message);
  }
}
