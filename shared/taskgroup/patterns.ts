/**
 * The textual forms a TaskGroup accepts. They live in one place because the zod schema, the
 * JSON Schema generated from it and the error-code mapping all read them.
 */
export const PATTERNS = {
  /** TaskGroup name; it becomes part of AWS resource names. */
  groupName: /^[a-z][a-z0-9-]{0,62}$/,
  /**
   * Task name. Step Functions state names allow more, but the compiler derives several state
   * names from one task (`deploy.wave-3.gate`), so names stay short and free of `.` and spaces.
   */
  taskName: /^[A-Za-z][A-Za-z0-9_-]{0,47}$/,
  /** Inputs and exports become environment variables, so they must be valid POSIX names. */
  envName: /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
  /** `500ms`, `30s`, `10m`, `1h`, or a sum such as `1h30m`. */
  duration: /^(?:\d{1,7}(?:ms|s|m|h))+$/,
  /** A whole count (`3`) or a percentage (`25%`, `12.5%`), as a string. */
  countOrPercent: /^(?:\d{1,9}|\d{1,3}(?:\.\d{1,3})?%)$/,
  /** An EventBridge Scheduler expression; its body is checked by `checkSchedule`. */
  schedule: /^(?:cron|rate|at)\(.*\)$/,
} as const;
