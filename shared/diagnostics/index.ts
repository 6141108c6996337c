export { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes.js';
export { type Diagnostic, type DocPath, formatPath, hasErrors, sortDiagnostics } from './Diagnostic.js';
export { didYouMean, suggest } from './suggest.js';
