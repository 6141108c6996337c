import {
  type ParsedTemplate,
  parseTemplate,
  type ReferencePart,
  type TemplateProblem,
  type TextPart,
} from './expressions.js';
import type { ShellContext } from './shellQuote.js';

/** A reference of a shell command with the quoting context at its position (null: unsafe there). */
export interface ShellReferencePart extends ReferencePart {
  context: ShellContext | null;
}

/** A shell command template: its parts with quoting contexts, and every problem found. */
export interface ShellTemplate {
  parts: (TextPart | ShellReferencePart)[];
  problems: TemplateProblem[];
}

type Frame =
  | { mode: 'root' }
  | { mode: 'command'; parens: number } // $( … )
  | { mode: 'double' }
  | { mode: 'single' }
  | { mode: 'ansi' } // $'…' (bash, ksh, zsh)
  | { mode: 'param'; braces: number } // ${ … }
  | { mode: 'arith'; parens: number } // $(( … )) and (( … ))
  | { mode: 'backtick' }
  | { mode: 'comment' }
  | { mode: 'heredoc'; delimiter: string; stripTabs: boolean; line: string; tainted: boolean };

/** The quoting context of a reference, or why no quoting is safe there. */
type Verdict = { context: ShellContext } | { problem: string };

interface PendingHeredoc {
  delimiter: string;
  stripTabs: boolean;
}

interface DelimiterReader {
  word: string;
  started: boolean;
  quote: "'" | '"' | null;
  escaped: boolean;
  stripTabs: boolean;
  offset: number;
}

const SPECIAL_PARAMETERS = new Set([
  '$',
  '?',
  '!',
  '#',
  '@',
  '*',
  '-',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]);
const WORD_BREAKS = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

/**
 * Parses a shell command template and finds, for each `${{ }}` reference, the quoting context
 * the shell is in at that position (see `quoteForContext`). The analysis depends only on the
 * template, never on values, so the validator can report every unsafe position ahead of a run.
 *
 * It follows POSIX shell lexing: quotes, backslashes, `$( … )` (nested, with its own quoting),
 * comments and here-documents. A reference is rejected (a problem, context null) where no
 * quoting can make a value literal or where the shell's reading is uncertain:
 * inside `${ … }`, `$(( … ))`, backticks, `$'…'`, a here-document (body or delimiter), right
 * after a `\` or a `$`, and anywhere after a construct this scanner cannot follow for sure
 * (a `case` inside `$( … )`, quotes inside `${ … }`, `$(( … ))` or here-document delimiters
 * missing). The way out is always the same: put the value in a variable (an import, or
 * `V=${{ inputs.v }}` earlier in the command) and use `"$V"` there.
 */
export function analyzeShellTemplate(
  text: string,
  parsed: ParsedTemplate = parseTemplate(text),
): ShellTemplate {
  const scanner = new ShellScanner(text);
  const parts: (TextPart | ShellReferencePart)[] = [];
  const problems = [...parsed.problems];
  parsed.parts.forEach((part, index) => {
    if (part.kind === 'text') {
      scanner.scan(part.start, part.end, parsed.parts[index + 1]?.kind === 'reference');
      parts.push(part);
      return;
    }
    const verdict = scanner.reference(part.start);
    if ('problem' in verdict) {
      problems.push({
        code: 'BAD_EXPRESSION',
        message: `${part.source} at offset ${part.start} ${verdict.problem}`,
        start: part.start,
        end: part.end,
      });
      parts.push({ ...part, context: null });
    } else {
      parts.push({ ...part, context: verdict.context });
    }
  });
  problems.sort((a, b) => a.start - b.start);
  return { parts, problems };
}

const WAY_OUT = `Set a variable earlier (V=\${{ … }}) or use an import, and write "$V" here.`;

/** A left-to-right POSIX shell lexer that tracks just enough state to know the quoting context. */
class ShellScanner {
  private readonly stack: Frame[] = [{ mode: 'root' }];
  private pending: PendingHeredoc[] = [];
  private delimiter: DelimiterReader | null = null;
  private escape = false;
  private dollarBeforeReference = false;
  private wordStart = true;
  private uncertain: string | null = null;

  constructor(private readonly text: string) {}

  /** Scans text[start, end); `referenceFollows` when a reference comes right after. */
  scan(start: number, end: number, referenceFollows: boolean): void {
    let i = start;
    while (i < end) {
      i += this.step(i, end, referenceFollows);
    }
  }

  /** The context of a reference at `offset`, or why it is unsafe there. */
  reference(offset: number): Verdict {
    const verdict = this.verdict();
    if (this.delimiter !== null)
      this.markUncertain(`a here-document delimiter built from \${{ }} at offset ${offset}`);
    const top = this.top();
    if (top.mode === 'heredoc') top.tainted = true;
    this.escape = false;
    this.dollarBeforeReference = false;
    this.wordStart = false;
    if (this.delimiter !== null) this.delimiter.started = true;
    return verdict;
  }

  private verdict(): Verdict {
    if (this.delimiter !== null)
      return { problem: `is a here-document delimiter, which cannot come from a value. ${WAY_OUT}` };
    if (this.uncertain !== null) {
      return {
        problem: `comes after ${this.uncertain}, after which stepfleet cannot tell how the shell quotes this position. Move the reference before it, or: ${WAY_OUT}`,
      };
    }
    if (this.escape)
      return {
        problem: 'comes right after a backslash, which would escape the quoting. Remove the backslash.',
      };
    if (this.dollarBeforeReference)
      return { problem: 'comes right after a $, which would change how the shell reads it. Remove the $.' };
    const modes = new Set(this.stack.map((frame) => frame.mode));
    if (modes.has('heredoc'))
      return { problem: `is inside a here-document, where quotes are not special. ${WAY_OUT}` };
    if (modes.has('backtick'))
      return {
        problem: 'is inside backticks, which re-read their content. Use $( … ) instead of backticks.',
      };
    if (modes.has('param'))
      return { problem: `is inside \${ … }, whose quoting differs between shells. ${WAY_OUT}` };
    if (modes.has('arith'))
      return { problem: `is inside arithmetic (( … )), where a quoted value is an error. ${WAY_OUT}` };
    if (modes.has('ansi'))
      return { problem: `is inside $'…', which interprets backslashes. Use '…' or "…" instead.` };
    const mode = this.top().mode;
    if (mode === 'double') return { context: 'double' };
    if (mode === 'single') return { context: 'single' };
    if (mode === 'comment') return { context: 'comment' };
    return { context: 'unquoted' };
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1] ?? { mode: 'root' };
  }

  private pop(): void {
    if (this.stack.length > 1) this.stack.pop();
  }

  private markUncertain(reason: string): void {
    this.uncertain ??= reason;
  }

  /** Handles the character at i and returns how many characters it consumed. */
  private step(i: number, end: number, referenceFollows: boolean): number {
    const text = this.text;
    const c = text[i] ?? '';
    const next = i + 1 < end ? text[i + 1] : undefined;
    if (this.delimiter !== null) return this.stepDelimiter(c);
    const frame = this.top();
    if (this.escape && frame.mode !== 'single' && frame.mode !== 'comment' && frame.mode !== 'heredoc') {
      this.escape = false;
      if (c !== '\n') this.wordStart = false; // a line continuation keeps the token boundary
      return 1;
    }
    switch (frame.mode) {
      case 'root':
      case 'command':
        return this.stepUnquoted(frame, c, i, end, next, referenceFollows);
      case 'double':
        if (c === '\\') this.escape = true;
        else if (c === '"') this.pop();
        else if (c === '`') this.stack.push({ mode: 'backtick' });
        else if (c === '$') return this.stepDollar(next, i, end, referenceFollows, false);
        return 1;
      case 'single':
        if (c === "'") this.pop();
        return 1;
      case 'ansi':
        if (c === '\\') this.escape = true;
        else if (c === "'") this.pop();
        return 1;
      case 'backtick':
        if (c === '\\') this.escape = true;
        else if (c === '`') this.pop();
        return 1;
      case 'param':
        if (c === '\\') this.escape = true;
        else if (c === '{') frame.braces += 1;
        else if (c === '}') {
          if (frame.braces > 0) frame.braces -= 1;
          else this.pop();
        } else if (c === '`') this.stack.push({ mode: 'backtick' });
        else if (c === '$') return this.stepDollar(next, i, end, referenceFollows, false);
        else if (c === "'" || c === '"') this.markUncertain(`a quote inside \${ … } at offset ${i}`);
        return 1;
      case 'arith':
        return this.stepArithmetic(frame, c, i, end, next, referenceFollows);
      case 'comment':
        if (c !== '\n') return 1;
        this.pop();
        return this.step(i, end, referenceFollows);
      case 'heredoc':
        return this.stepHeredoc(frame, c);
    }
  }

  private stepUnquoted(
    frame: Frame & { mode: 'root' | 'command' },
    c: string,
    i: number,
    end: number,
    next: string | undefined,
    referenceFollows: boolean,
  ): number {
    const text = this.text;
    const atWordStart = this.wordStart;
    this.wordStart = WORD_BREAKS.has(c);
    switch (c) {
      case '\\':
        this.escape = true;
        this.wordStart = atWordStart;
        return 1;
      case "'":
        this.stack.push({ mode: 'single' });
        return 1;
      case '"':
        this.stack.push({ mode: 'double' });
        return 1;
      case '`':
        this.stack.push({ mode: 'backtick' });
        return 1;
      case '$':
        return this.stepDollar(next, i, end, referenceFollows, true);
      case '#':
        if (atWordStart) this.stack.push({ mode: 'comment' });
        return 1;
      case '\n':
        this.startHeredoc();
        return 1;
      case '(':
        if (atWordStart && next === '(') {
          this.stack.push({ mode: 'arith', parens: 0 });
          return 2;
        }
        if (frame.mode === 'command') frame.parens += 1;
        return 1;
      case ')':
        if (frame.mode === 'command') {
          if (frame.parens > 0) frame.parens -= 1;
          else {
            this.pop();
            this.wordStart = false; // `$(x)#y` is one word: the # does not start a comment
          }
        }
        return 1;
      case '<': {
        if (next !== '<') return 1;
        const third = i + 2 < end ? text[i + 2] : undefined;
        if (third === '<') return 3; // bash here-string: an ordinary word follows
        const stripTabs = third === '-';
        this.delimiter = { word: '', started: false, quote: null, escaped: false, stripTabs, offset: i };
        return stripTabs ? 3 : 2;
      }
      default:
        if (
          atWordStart &&
          frame.mode === 'command' &&
          /^case[ \t\n]/.test(text.slice(i, Math.min(end, i + 5)))
        ) {
          // A case pattern's `)` would look like the end of $( … ): stop trusting the position.
          this.markUncertain(`a case statement inside $( … ) at offset ${i}`);
        }
        return 1;
    }
  }

  private stepDollar(
    next: string | undefined,
    i: number,
    end: number,
    referenceFollows: boolean,
    unquoted: boolean,
  ): number {
    if (next === undefined) {
      if (referenceFollows && i + 1 === end) this.dollarBeforeReference = true;
      return 1;
    }
    if (next === '(') {
      if (i + 2 < end && this.text[i + 2] === '(') {
        this.stack.push({ mode: 'arith', parens: 0 });
        return 3;
      }
      this.stack.push({ mode: 'command', parens: 0 });
      this.wordStart = true;
      return 2;
    }
    if (next === '{') {
      this.stack.push({ mode: 'param', braces: 0 });
      return 2;
    }
    if (unquoted && next === "'") {
      this.stack.push({ mode: 'ansi' });
      return 2;
    }
    if (unquoted && next === '"') {
      this.stack.push({ mode: 'double' }); // bash $"…" (translated string) quotes like "…"
      return 2;
    }
    return SPECIAL_PARAMETERS.has(next) ? 2 : 1;
  }

  private stepArithmetic(
    frame: Frame & { mode: 'arith' },
    c: string,
    i: number,
    end: number,
    next: string | undefined,
    referenceFollows: boolean,
  ): number {
    switch (c) {
      case '\\':
        this.escape = true;
        return 1;
      case '(':
        frame.parens += 1;
        return 1;
      case ')':
        if (frame.parens > 0) {
          frame.parens -= 1;
          return 1;
        }
        this.pop();
        if (next === ')') return 2;
        this.markUncertain(`an unbalanced ) in arithmetic at offset ${i}`);
        return 1;
      case '$':
        return this.stepDollar(next, i, end, referenceFollows, false);
      case '`':
        this.stack.push({ mode: 'backtick' });
        return 1;
      case "'":
      case '"':
        this.markUncertain(`a quote inside arithmetic at offset ${i}`);
        return 1;
      default:
        return 1;
    }
  }

  private stepDelimiter(c: string): number {
    const reader = this.delimiter;
    if (reader === null) return 1;
    if (reader.escaped) {
      reader.escaped = false;
      reader.word += c;
      return 1;
    }
    if (reader.quote !== null) {
      if (c === reader.quote) reader.quote = null;
      else reader.word += c;
      return 1;
    }
    if (!reader.started && (c === ' ' || c === '\t')) return 1;
    if (c === "'" || c === '"') {
      reader.quote = c;
      reader.started = true;
      return 1;
    }
    if (c === '\\') {
      reader.escaped = true;
      reader.started = true;
      return 1;
    }
    if (WORD_BREAKS.has(c)) {
      this.finishDelimiter();
      return 0; // the break character is handled again in the normal state
    }
    reader.word += c;
    reader.started = true;
    return 1;
  }

  private finishDelimiter(): void {
    const reader = this.delimiter;
    if (reader === null) return;
    this.delimiter = null;
    this.wordStart = true;
    if (!reader.started || reader.word === '') {
      this.markUncertain(`a here-document without a delimiter at offset ${reader.offset}`);
      return;
    }
    this.pending.push({ delimiter: reader.word, stripTabs: reader.stripTabs });
  }

  private startHeredoc(): void {
    const first = this.pending.shift();
    if (first === undefined) return;
    this.stack.push({
      mode: 'heredoc',
      delimiter: first.delimiter,
      stripTabs: first.stripTabs,
      line: '',
      tainted: false,
    });
  }

  private stepHeredoc(frame: Frame & { mode: 'heredoc' }, c: string): number {
    if (c !== '\n') {
      frame.line += c;
      return 1;
    }
    const line = frame.stripTabs ? frame.line.replace(/^\t+/, '') : frame.line;
    if (!frame.tainted && line === frame.delimiter) {
      this.pop();
      this.wordStart = true;
      this.startHeredoc();
    } else {
      frame.line = '';
      frame.tainted = false;
    }
    return 1;
  }
}
