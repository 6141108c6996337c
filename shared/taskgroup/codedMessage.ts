import type { DiagnosticCode } from '../diagnostics/codes.js';

const SEPARATOR = '\u001f';

/**
 * A zod error message that carries the diagnostic code it stands for, so that the issue mapper
 * reports `INVALID_DURATION` rather than a generic code. The code never reaches the user's eyes
 * inside the message: {@link splitCodedMessage} takes it back out.
 */
export function codedMessage(code: DiagnosticCode, message: string): string {
  return `${code}${SEPARATOR}${message}`;
}

/** The code and text of a message built by {@link codedMessage}; no code for a plain message. */
export function splitCodedMessage(message: string): { code?: DiagnosticCode; message: string } {
  const at = message.indexOf(SEPARATOR);
  if (at < 0) return { message };
  return { code: message.slice(0, at) as DiagnosticCode, message: message.slice(at + 1) };
}
