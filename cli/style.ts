import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/**
 * Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).
 * FORCE_COLOR turns it on for pipes, as most CLI tools accept.
 */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** A painter bound to one stream's colour decision. */
export function painter(stream: NodeJS.WriteStream): (style: Style, text: string) => string {
  const enabled = colorEnabled(stream);
  return (style, text) => (enabled ? styleText(style, text) : text);
}
