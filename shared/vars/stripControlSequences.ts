// Terminal control sequences (ECMA-48), in the order they must be tried:
// 1. strings: OSC (ESC ] or 0x9d), DCS (ESC P / 0x90), SOS (ESC X / 0x98), PM (ESC ^ / 0x9e) and
//    APC (ESC _ / 0x9f), ended by BEL or ST (ESC \ or 0x9c), or by the end of the text;
// 2. CSI (ESC [ or 0x9b): parameter bytes, intermediate bytes, a final byte (missing at the end);
// 3. any other escape: ESC, intermediate bytes, a final byte;
// 4. a line break written as CR LF or a lone CR;
// 5. every other C0 control except TAB and LF, DEL, and the C1 controls.
const CONTROL_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[\s\S]*?(?:\u0007|\u001b\\|\u009c|$)|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|\u001b[\u0020-\u002f]*[\u0030-\u007e]|\r\n?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Removes terminal control sequences from captured output before it is displayed, so that a
 * command's output cannot recolour, move the cursor, retitle or otherwise drive the terminal of
 * whoever reads a result: ANSI CSI sequences (colours, cursor moves), OSC strings (titles,
 * hyperlinks, clipboard), other escapes, and the remaining C0/C1 control characters. Tabs and
 * line breaks stay; a carriage return becomes a line break (a progress line rewritten with CR
 * then reads as successive lines rather than one run-on line).
 *
 * Stored captures keep their bytes; strip only for display.
 *
 * @example stripControlSequences('\u001b[31merror\u001b[0m: disk full\r\n') // 'error: disk full\n'
 */
export function stripControlSequences(text: string): string {
  return text.replace(CONTROL_SEQUENCES, (sequence) => (sequence[0] === '\r' ? '\n' : ''));
}
