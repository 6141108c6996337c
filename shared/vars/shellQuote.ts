/**
 * Where a `${{ }}` reference stands in a POSIX shell command, as far as quoting goes:
 * - `unquoted`: bare in the command (also inside `$( … )`), e.g. `echo ${{ inputs.x }}`;
 * - `double`: inside `"…"`, e.g. `"app-${{ inputs.v }}.tgz"`;
 * - `single`: inside `'…'`, e.g. `'v=${{ inputs.v }}'`;
 * - `comment`: after a `#` that starts a comment.
 */
export type ShellContext = 'unquoted' | 'double' | 'single' | 'comment';

/**
 * Quotes `value` as one POSIX shell word with exactly that content: the value in single quotes,
 * each `'` written as `'\''` (close, escaped quote, reopen). Inside single quotes nothing is
 * special, so no value can end the word, expand, or start a new command.
 *
 * @example shellQuote("it's") // "'it'\\''s'"  (the shell reads it's)
 * @example shellQuote('')     // "''"           (one empty word, not no word)
 */
export function shellQuote(value: string): string {
  return `'${escapeInSingleQuotes(value)}'`;
}

/**
 * The text to put in place of a reference so that the shell reads `value` literally, given the
 * quoting context at the reference's position. Every form leaves the shell in the same context
 * it found it in, so the rest of the command keeps its meaning:
 * - `unquoted` → `'value'` (one word on its own; glued to neighbours like `app-${{ }}.tgz` it
 *   joins their word);
 * - `double` → `"'value'"`: close the double quotes, single-quote the value, reopen them;
 * - `single` → the value with each `'` as `'\''`: the surrounding quotes are the user's;
 * - `comment` → the value with line breaks turned into spaces, single-quoted, so it cannot end
 *   the comment (a line break would start a new command).
 *
 * The value must not contain NUL (see `UnsafeValueError`); this function does not check.
 */
export function quoteForContext(value: string, context: ShellContext): string {
  switch (context) {
    case 'unquoted':
      return shellQuote(value);
    case 'double':
      return `"${shellQuote(value)}"`;
    case 'single':
      return escapeInSingleQuotes(value);
    case 'comment':
      return shellQuote(value.replace(/[\r\n]/g, ' '));
  }
}

function escapeInSingleQuotes(value: string): string {
  return value.replaceAll("'", `'\\''`);
}
