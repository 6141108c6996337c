/** One line of a `$STEPFLEET_OUTPUT` file that could not be read. `line` is 1-based. */
export interface OutputFileProblem {
  line: number;
  message: string;
}

/** The values a command wrote to `$STEPFLEET_OUTPUT`, and the lines that were ignored. */
export interface ParsedOutputFile {
  /** Name → value; when a name is written twice the later line wins. */
  outputs: Record<string, string>;
  problems: OutputFileProblem[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the `$STEPFLEET_OUTPUT` file protocol (DESIGN §4), the same as GitHub Actions'
 * `$GITHUB_OUTPUT`:
 * - `name=value`: the value is everything after the first `=`, up to the end of the line;
 * - `name<<DELIM`, then the value's lines, then a line that is exactly `DELIM`: a multi-line
 *   value (its lines joined with `\n`, no trailing line break);
 * whichever of `=` and `<<` comes first decides the form. Empty lines are skipped, `\r\n` line
 * ends and a leading byte-order mark are tolerated, a later line overrides an earlier one.
 * Anything else (no `=`, a name that is not a valid environment variable name, a missing
 * delimiter) is reported in `problems` and skipped: a sloppy line never fails the host.
 *
 * @example
 * parseOutputFile('version=1.4.2\nnotes<<EOF\nline 1\nline 2\nEOF\n').outputs
 * // { version: '1.4.2', notes: 'line 1\nline 2' }
 */
export function parseOutputFile(content: string | Uint8Array): ParsedOutputFile {
  const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // A final line break does not start another (empty) line.
  if (lines.at(-1) === '') lines.pop();
  const values = new Map<string, string>();
  const problems: OutputFileProblem[] = [];

  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = stripCarriageReturn(lines[index] ?? '');
    if (line.trim() === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    const isHeredoc = heredoc >= 0 && (equals < 0 || heredoc < equals);
    if (equals < 0 && !isHeredoc) {
      problems.push({
        line: lineNumber,
        message: `Line ${lineNumber} is neither name=value nor name<<DELIMITER.`,
      });
      continue;
    }
    const name = line.slice(0, isHeredoc ? heredoc : equals);
    if (!NAME.test(name)) {
      problems.push({
        line: lineNumber,
        message: `Line ${lineNumber}: "${name}" is not a valid output name (letters, digits and _, not starting with a digit).`,
      });
    }
    if (!isHeredoc) {
      if (NAME.test(name)) values.set(name, line.slice(equals + 1));
      continue;
    }
    const delimiter = line.slice(heredoc + 2);
    if (delimiter === '') {
      problems.push({
        line: lineNumber,
        message: `Line ${lineNumber}: "${name}<<" needs a delimiter, like ${name}<<EOF.`,
      });
      continue;
    }
    const close = findDelimiter(lines, index + 1, delimiter);
    if (close < 0) {
      problems.push({
        line: lineNumber,
        message: `Line ${lineNumber}: no closing "${delimiter}" line for "${name}"; the rest of the file was ignored.`,
      });
      break;
    }
    const value = lines
      .slice(index + 1, close)
      .map(stripCarriageReturn)
      .join('\n');
    if (NAME.test(name)) values.set(name, value);
    index = close;
  }
  return { outputs: Object.fromEntries(values), problems };
}

/**
 * Keeps only the outputs a task declares in `exports` (DESIGN §4): anything else a command
 * writes is dropped.
 *
 * @example filterExports({ version: '1', tmp: 'x' }, [{ name: 'version' }]) // { version: '1' }
 */
export function filterExports(
  outputs: Readonly<Record<string, string>>,
  declaredExports: Iterable<string | { name: string }>,
): Record<string, string> {
  const kept = new Map<string, string>();
  for (const declared of declaredExports) {
    const name = typeof declared === 'string' ? declared : declared.name;
    if (Object.hasOwn(outputs, name)) kept.set(name, outputs[name] ?? '');
  }
  return Object.fromEntries(kept);
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function findDelimiter(lines: readonly string[], from: number, delimiter: string): number {
  for (let index = from; index < lines.length; index++) {
    if (stripCarriageReturn(lines[index] ?? '') === delimiter) return index;
  }
  return -1;
}
