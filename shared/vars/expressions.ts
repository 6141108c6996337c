/**
 * `${{ … }}` expressions (DESIGN §4). Two references exist:
 * `${{ inputs.NAME }}` (a run input) and `${{ tasks.TASK.outputs.NAME }}` (an upstream export).
 * The parser knows nothing about shells; quoting is the job of {@link ./interpolate.ts}.
 */

/** A run input, `${{ inputs.version }}`. */
export interface InputReference {
  kind: 'input';
  name: string;
}

/** An export of an upstream task, `${{ tasks.build.outputs.artifact }}`. */
export interface OutputReference {
  kind: 'output';
  task: string;
  name: string;
}

/** What a `${{ }}` expression refers to. */
export type Reference = InputReference | OutputReference;

/** Literal text of a template. Offsets are UTF-16 indexes into the template, end exclusive. */
export interface TextPart {
  kind: 'text';
  text: string;
  start: number;
  end: number;
}

/** A well-formed reference; `start`/`end` cover the whole `${{ … }}`. */
export interface ReferencePart {
  kind: 'reference';
  reference: Reference;
  /** The expression as written, `${{ inputs.version }}`. */
  source: string;
  start: number;
  end: number;
}

/** One piece of a parsed template, in order: literal text or a reference. */
export type TemplatePart = TextPart | ReferencePart;

/**
 * One thing wrong with a template. `start`/`end` are UTF-16 offsets into the template text
 * (end exclusive), so a validator can turn them into a line and column.
 */
export interface TemplateProblem {
  code: 'BAD_EXPRESSION';
  message: string;
  start: number;
  end: number;
}

/** A template split into text and references, plus everything wrong with it. */
export interface ParsedTemplate {
  parts: TemplatePart[];
  problems: TemplateProblem[];
}

const OPEN = '${{';
const CLOSE = '}}';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TASK = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SUPPORTED = `Use \${{ inputs.NAME }} or \${{ tasks.TASK.outputs.NAME }}.`;

/**
 * Splits `text` into literal text and `${{ }}` references. Malformed expressions become
 * problems (never exceptions) and stay in `parts` as literal text, so every problem of a
 * template is reported at once. Whitespace inside the braces is allowed; there is no escape
 * for a literal `${{` (write `$\{{` in a shell command).
 *
 * @example
 * parseTemplate('app-${{ inputs.version }}.tgz').parts
 * // [{ kind: 'text', text: 'app-', … },
 * //  { kind: 'reference', reference: { kind: 'input', name: 'version' }, … },
 * //  { kind: 'text', text: '.tgz', … }]
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let literalStart = 0;
  let at = text.indexOf(OPEN);

  const pushText = (end: number): void => {
    if (end > literalStart)
      parts.push({ kind: 'text', text: text.slice(literalStart, end), start: literalStart, end });
  };

  while (at >= 0) {
    const close = text.indexOf(CLOSE, at + OPEN.length);
    const nextOpen = text.indexOf(OPEN, at + OPEN.length);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      problems.push({
        code: 'BAD_EXPRESSION',
        message: `Unclosed \${{ at offset ${at}: add }} after the expression.`,
        start: at,
        end: close < 0 ? text.length : nextOpen,
      });
      at = nextOpen;
      continue;
    }
    const end = close + CLOSE.length;
    const source = text.slice(at, end);
    const parsed = parseExpression(text.slice(at + OPEN.length, close));
    if (typeof parsed === 'string') {
      problems.push({
        code: 'BAD_EXPRESSION',
        message: `${parsed} (${source} at offset ${at})`,
        start: at,
        end,
      });
    } else {
      pushText(at);
      parts.push({ kind: 'reference', reference: parsed, source, start: at, end });
      literalStart = end;
    }
    at = text.indexOf(OPEN, end);
  }
  pushText(text.length);
  return { parts, problems };
}

/** The reference an expression body names, or a message saying what is wrong with it. */
function parseExpression(body: string): Reference | string {
  const expression = body.trim();
  if (expression === '') return `Empty expression. ${SUPPORTED}`;
  const segments = expression.split('.');
  const [rawRoot = '', ...rest] = segments;
  const root = rawRoot.trim();
  if (root === 'inputs') {
    const [name] = rest;
    if (rest.length !== 1 || name === undefined || !NAME.test(name)) {
      return `Invalid input reference "${expression}": expected inputs.NAME, NAME made of letters, digits and _, not starting with a digit`;
    }
    return { kind: 'input', name };
  }
  if (root === 'tasks') {
    const [task, outputs, name] = rest;
    if (rest.length !== 3 || outputs !== 'outputs' || task === undefined || name === undefined) {
      return `Invalid task reference "${expression}": expected tasks.TASK.outputs.NAME`;
    }
    if (!TASK.test(task)) return `Invalid task name "${task}" in "${expression}"`;
    if (!NAME.test(name)) {
      return `Invalid output name "${name}" in "${expression}": use letters, digits and _, not starting with a digit`;
    }
    return { kind: 'output', task, name };
  }
  const hint =
    root === 'env' || root === 'secrets'
      ? ` Environment variables are read by the shell itself ($NAME); imports become environment variables.`
      : '';
  return `Unknown expression "${expression}". ${SUPPORTED}${hint}`;
}

/**
 * Every well-formed reference in `text`, in order of appearance (duplicates kept, so a caller
 * can point at each occurrence). Malformed expressions are skipped: use {@link parseTemplate}
 * to report them.
 */
export function listReferences(text: string): ReferencePart[] {
  return parseTemplate(text).parts.filter((part): part is ReferencePart => part.kind === 'reference');
}

/**
 * The canonical text of a reference, without braces; also a stable key for maps of values.
 * @example formatReference({ kind: 'output', task: 'build', name: 'artifact' }) // 'tasks.build.outputs.artifact'
 */
export function formatReference(reference: Reference): string {
  return reference.kind === 'input'
    ? `inputs.${reference.name}`
    : `tasks.${reference.task}.outputs.${reference.name}`;
}
