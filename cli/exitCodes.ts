/** The CLI's exit codes; README documents them. */
export const EXIT = {
  ok: 0,
  runFailed: 1,
  invalidInput: 2,
  internalError: 70,
  interrupted: 130,
} as const;
