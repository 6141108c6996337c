import type { TemplateProblem } from './expressions.js';

/**
 * Base of every error the vars module throws. `code` is stable: callers (and the state
 * machine's `Catch`, through the error name) match on it, never on the message.
 */
export class VarsError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A `${{ }}` reference has no value at run time (an input that was not given and has no default,
 * or an output the upstream task did not produce). Resolvers throw it; interpolation lets it
 * through unchanged so the caller can fail the host (or the run) with this message.
 */
export class MissingValueError extends VarsError {
  /** The reference as written, without braces: `inputs.version`, `tasks.build.outputs.artifact`. */
  readonly reference: string;

  constructor(reference: string, detail?: string) {
    super('MISSING_VALUE', `No value for \${{ ${reference} }}${detail === undefined ? '' : `: ${detail}`}.`);
    this.reference = reference;
  }
}

/**
 * A template cannot be interpolated: a malformed expression, or a reference in a place of a
 * shell command where it cannot be substituted safely. `problems` lists every one, with offsets.
 */
export class TemplateError extends VarsError {
  readonly problems: readonly TemplateProblem[];

  constructor(problems: readonly TemplateProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('BAD_EXPRESSION', `${first === undefined ? 'Invalid template' : first.message}${more}`);
    this.problems = problems;
  }
}

/**
 * A value cannot be carried by a shell command at all. Only a NUL character does this: a C
 * string (and so every shell) ends at the first NUL, which would cut the command short.
 */
export class UnsafeValueError extends VarsError {
  readonly reference: string;

  constructor(reference: string) {
    super(
      'UNSAFE_VALUE',
      `The value of \${{ ${reference} }} contains a NUL character, which a shell command cannot carry. ` +
        'Pass it through a file or remove the NUL.',
    );
    this.reference = reference;
  }
}
