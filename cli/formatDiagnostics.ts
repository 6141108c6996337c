import { relative } from 'node:path';
import type { Diagnostic } from '../shared/diagnostics/Diagnostic.js';

/**
 * Compiler-style lines: `file:line:col  CODE  message (at path)` and an indented hint.
 * Files are shown relative to the working directory, as the user typed them.
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  paint: (style: 'red' | 'yellow' | 'dim' | 'bold', text: string) => string,
): string {
  return diagnostics
    .map((d) => {
      const file = relative(process.cwd(), d.file) || d.file;
      const where = d.line === undefined ? file : `${file}:${d.line}:${d.column ?? 1}`;
      const code = paint(d.severity === 'error' ? 'red' : 'yellow', d.code);
      const at = d.path ? paint('dim', ` (at ${d.path})`) : '';
      const hint = d.hint ? `\n    ${paint('dim', `hint: ${d.hint}`)}` : '';
      return `${paint('bold', where)}  ${code}  ${d.message}${at}${hint}`;
    })
    .join('\n');
}

/** JSON form of diagnostics for `--json`: stable keys, file as given. */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[]): string {
  return `${JSON.stringify(diagnostics, null, 2)}\n`;
}
