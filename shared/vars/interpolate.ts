import { MissingValueError, TemplateError, UnsafeValueError } from './errors.js';
import { formatReference, parseTemplate, type Reference } from './expressions.js';
import { analyzeShellTemplate } from './shellContext.js';
import { quoteForContext } from './shellQuote.js';

/**
 * Gives the value of a reference. Return `undefined` (or throw {@link MissingValueError}) when
 * there is none; both end the interpolation with a `MissingValueError`.
 */
export type Resolver = (reference: Reference) => string | undefined;

/**
 * Substitutes the `${{ }}` references of a shell command, shell-quoted, so that a value can never
 * change the command's shape (DESIGN §4).
 *
 * **The rule.** Each value reaches the shell literally, byte for byte, whatever it contains
 * (quotes, `$( )`, backticks, `;`, line breaks, globs), as long as the command runs in a POSIX
 * shell (sh, dash, bash, ksh, zsh, busybox ash):
 * - bare (`echo ${{ inputs.x }}`) the value is exactly one word, even when empty;
 * - glued to other text (`app-${{ inputs.v }}.tgz`) it becomes part of that word;
 * - inside `"…"` or `'…'` it becomes part of that quoted string; the quotes around it keep
 *   their meaning for the rest of the command;
 * - inside `$( … )` the same rules apply with the quoting of that inner command;
 * - in a comment it stays in the comment (its line breaks become spaces).
 * Positions where no quoting can make a value literal (inside `${ … }`, `$(( … ))`, backticks,
 * `$'…'`, here-documents, right after `\` or `$`) are errors found before any value is looked
 * at; see `analyzeShellTemplate`. What the command then does with the value is its own
 * business: `eval ${{ inputs.x }}` evaluates it.
 *
 * @throws TemplateError when the command has malformed or unsafely placed references.
 * @throws MissingValueError when `resolve` has no value for a reference.
 * @throws UnsafeValueError when a value contains NUL, which no shell command can carry.
 * @example
 * interpolate('tar xzf "app-${{ inputs.v }}.tgz"', () => "1.0'; rm -rf /")
 * // tar xzf "app-"'1.0'\''; rm -rf /'".tgz"
 */
export function interpolate(command: string, resolve: Resolver): string {
  const { parts, problems } = analyzeShellTemplate(command);
  if (problems.length > 0) throw new TemplateError(problems);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = resolveValue(part.reference, resolve);
    if (value.includes('\0')) throw new UnsafeValueError(formatReference(part.reference));
    // problems.length === 0 guarantees a context for every reference
    out += quoteForContext(value, part.context ?? 'unquoted');
  }
  return out;
}

/**
 * Substitutes references verbatim, with no quoting at all. Only for text that no shell reads
 * (an HTTP header, a description); for a command use {@link interpolate}.
 *
 * @throws TemplateError when the text has malformed references.
 * @throws MissingValueError when `resolve` has no value for a reference.
 */
export function substitute(text: string, resolve: Resolver): string {
  const { parts, problems } = parseTemplate(text);
  if (problems.length > 0) throw new TemplateError(problems);
  return parts
    .map((part) => (part.kind === 'text' ? part.text : resolveValue(part.reference, resolve)))
    .join('');
}

function resolveValue(reference: Reference, resolve: Resolver): string {
  const value = resolve(reference);
  if (value === undefined) throw new MissingValueError(formatReference(reference));
  return value;
}
