import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { TaskGroup } from '../taskgroup/schema.js';

/** Inputs of a run: every declared input with a value, as strings, and which are confidential. */
export interface ResolvedInputs {
  values: Record<string, string>;
  confidential: string[];
}

/**
 * Checks run inputs against a TaskGroup's `inputs` (DESIGN §2): unknown names, missing required
 * values, values outside `allowed`. Defaults fill what is not given. Values are strings, as they
 * reach commands through the environment.
 */
export function validateInputs(
  group: TaskGroup,
  given: Readonly<Record<string, string | number | boolean>>,
  source: string,
): { ok: true; inputs: ResolvedInputs } | { ok: false; diagnostics: Diagnostic[] } {
  const declared = group.inputs ?? {};
  const diagnostics: Diagnostic[] = [];
  const problem = (name: string, code: Diagnostic['code'], message: string, hint?: string) =>
    diagnostics.push({
      code,
      severity: 'error',
      file: source,
      path: `inputs.${name}`,
      message,
      ...(hint ? { hint } : {}),
    });
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      const known = Object.keys(declared);
      problem(
        name,
        'UNKNOWN_INPUT',
        `TaskGroup "${group.name}" has no input "${name}"`,
        didYouMean(name, known) ??
          (known.length ? `Its inputs: ${known.join(', ')}.` : 'It declares no inputs.'),
      );
    }
  }
  const values: Record<string, string> = {};
  const confidential: string[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) {
      if (spec.required)
        problem(name, 'MISSING_FIELD', `input "${name}" is required`, `Pass it with --input ${name}=VALUE.`);
      continue;
    }
    if (spec.allowed && !spec.allowed.some((a) => String(a) === String(value))) {
      const allowed = spec.allowed.map((a) => JSON.stringify(String(a))).join(', ');
      problem(
        name,
        'INVALID_VALUE',
        `input "${name}" must be one of ${allowed}${spec.confidential ? '' : `, found ${JSON.stringify(String(value))}`}`,
      );
      continue;
    }
    values[name] = String(value);
    if (spec.confidential) confidential.push(name);
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, inputs: { values, confidential } };
}
