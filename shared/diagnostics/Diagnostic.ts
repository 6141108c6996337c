import type { DiagnosticCode } from './codes.js';

/** A path inside a document: object keys and array indexes, outermost first. */
export type DocPath = readonly (string | number)[];

/** One problem found in a user's file, located as precisely as the file allows. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  file: string;
  /** Rendered like `tasks[2].imports[0].from`; empty for the whole document. */
  path: string;
  /** 1-based line and column, when the file is text we parsed ourselves. */
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a document path the way users write it in JavaScript-ish notation.
 * @example formatPath(['tasks', 2, 'depends_on', 0]) // 'tasks[2].depends_on[0]'
 */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** True when at least one diagnostic is an error (warnings alone leave a file valid). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.code.localeCompare(b.code) ||
      a.path.localeCompare(b.path),
  );
}
