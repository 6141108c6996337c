export { MissingValueError, TemplateError, UnsafeValueError, VarsError } from './errors.js';
export {
  formatReference,
  type InputReference,
  listReferences,
  type OutputReference,
  type ParsedTemplate,
  parseTemplate,
  type Reference,
  type ReferencePart,
  type TemplatePart,
  type TemplateProblem,
  type TextPart,
} from './expressions.js';
export { interpolate, type Resolver, substitute } from './interpolate.js';
export { createMasker, MASK, type Masker, maskDeep, maskText } from './masking.js';
export {
  type CappedOutput,
  capOutput,
  createOutputCap,
  DEFAULT_HEAD_BYTES,
  DEFAULT_TAIL_BYTES,
  type OutputCap,
  type OutputCapOptions,
} from './outputCap.js';
export { createOutputCapture, type OutputCapture, type OutputCaptureOptions } from './outputCapture.js';
export {
  filterExports,
  type OutputFileProblem,
  type ParsedOutputFile,
  parseOutputFile,
} from './outputFile.js';
export { analyzeShellTemplate, type ShellReferencePart, type ShellTemplate } from './shellContext.js';
export { quoteForContext, type ShellContext, shellQuote } from './shellQuote.js';
export { stripControlSequences } from './stripControlSequences.js';
