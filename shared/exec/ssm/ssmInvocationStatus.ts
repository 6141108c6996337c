import type { ExecutionStatus } from '../HostExecutor.js';

/**
 * Every state an SSM command invocation reports, in `Status` or in `StatusDetails`, written without
 * spaces (`Delivery Timed Out` → `DeliveryTimedOut`). The command-level details (`Incomplete`,
 * `RateExceeded`, `NoInstancesInTag`) are listed too, so that one seen on an invocation is mapped,
 * not mistaken for an unknown one.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
 */
export const SSM_INVOCATION_STATES = [
  'Pending',
  'InProgress',
  'Delayed',
  'Cancelling',
  'Success',
  'Failed',
  'TimedOut',
  'ExecutionTimedOut',
  'DeliveryTimedOut',
  'Cancelled',
  'Undeliverable',
  'Terminated',
  'Incomplete',
  'InvalidPlatform',
  'AccessDenied',
  'RateExceeded',
  'NoInstancesInTag',
] as const;

/** One known SSM invocation state. */
export type SsmInvocationState = (typeof SSM_INVOCATION_STATES)[number];

/** What an invocation state means for stepfleet: still running, or ended with a DESIGN §5 status. */
export type SsmStateMeaning =
  | { kind: 'running'; state: SsmInvocationState }
  /** `state` is undefined when SSM reported no status or one stepfleet does not know. */
  | { kind: 'done'; state: SsmInvocationState | undefined; status: ExecutionStatus; reason: string };

const KNOWN: ReadonlySet<string> = new Set(SSM_INVOCATION_STATES);

/**
 * The state named by an SSM status text, or undefined for one stepfleet does not know. Spaces are
 * dropped and the American `Canceled` (used in the console and some docs) reads as `Cancelled`.
 */
export function parseSsmState(text: string): SsmInvocationState | undefined {
  const compact = text.replace(/\s+/g, '').replace(/^Canceled$/, 'Cancelled');
  return KNOWN.has(compact) ? (compact as SsmInvocationState) : undefined;
}

/**
 * The meaning of one known state. The `switch` is exhaustive over {@link SsmInvocationState}:
 * adding a state without deciding its meaning does not compile.
 *
 * - `unreachable` means nothing ran because the instance could not be reached or would not let
 *   the command in (DESIGN §5): never delivered, delivery timed out, access denied.
 * - `Cancelled` is `cancelled` (someone cancelled the command); the executor turns a cancel it
 *   asked for itself into `timed_out` when the timeout was why.
 * - `Terminated` (SSM cancelled it because the parent command reached MaxErrors) is `failed`: no
 *   one asked for it, and a retry is the right answer.
 */
export function meaningOfSsmState(state: SsmInvocationState): SsmStateMeaning {
  const done = (status: ExecutionStatus, reason: string): SsmStateMeaning => ({
    kind: 'done',
    state,
    status,
    reason,
  });
  switch (state) {
    case 'Pending':
    case 'InProgress':
    case 'Delayed':
    case 'Cancelling':
      return { kind: 'running', state };
    case 'Success':
      return done('success', 'the command succeeded');
    case 'Failed':
      return done('failed', 'the command failed');
    case 'TimedOut':
    case 'ExecutionTimedOut':
      return done('timed_out', "the SSM Agent stopped the command at the document's execution timeout");
    case 'DeliveryTimedOut':
      return done('unreachable', 'SSM could not deliver the command before its delivery timeout');
    case 'Undeliverable':
      return done('unreachable', 'SSM could not deliver the command (instance stopped, gone or not managed)');
    case 'AccessDenied':
      return done('unreachable', 'SSM was denied access to the instance');
    case 'Cancelled':
      return done('cancelled', 'the SSM command was cancelled');
    case 'Terminated':
      return done('failed', "SSM terminated the invocation after the command's MaxErrors was reached");
    case 'Incomplete':
      return done('failed', 'the SSM command ended incomplete');
    case 'InvalidPlatform':
      return done('failed', 'the instance is not a Linux instance, which the stepfleet document needs');
    case 'RateExceeded':
      return done('failed', 'SSM refused the command: rate exceeded');
    case 'NoInstancesInTag':
      return done('failed', 'SSM found no instance to run the command on');
    default: {
      const unhandled: never = state;
      throw new Error(`Unhandled SSM invocation state ${String(unhandled)}`);
    }
  }
}

/**
 * Reads `Status` and `StatusDetails` of a GetCommandInvocation answer. `StatusDetails` decides when
 * present (it tells `Undeliverable` from plain `Failed`); `Status` otherwise. A state stepfleet does
 * not know is never success: it ends the host `failed`, naming the state.
 */
export function classifyInvocation(status: string | undefined, details: string | undefined): SsmStateMeaning {
  const text = details !== undefined && details.trim() !== '' ? details : status;
  if (text === undefined || text.trim() === '') {
    return {
      kind: 'done',
      state: undefined,
      status: 'failed',
      reason: 'SSM reported the invocation with no status',
    };
  }
  const state = parseSsmState(text);
  if (state === undefined) {
    return {
      kind: 'done',
      state: undefined,
      status: 'failed',
      reason: `SSM reported the unknown invocation status "${text}"; stepfleet cannot tell whether the command succeeded`,
    };
  }
  return meaningOfSsmState(state);
}
