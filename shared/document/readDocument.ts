import { readFile, stat } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import type { Diagnostic, DocPath } from '../diagnostics/Diagnostic.js';
import { formatPath } from '../diagnostics/Diagnostic.js';

/** Files larger than this are refused before they are read: a TaskGroup is a few KiB. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Alias expansions allowed per document; far above honest use, far below a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;

/** A parsed YAML or JSON document that can point back at its source positions. */
export interface SourceDocument {
  file: string;
  /** The plain JavaScript value; undefined when the text could not be parsed. */
  value: unknown;
  /** Builds a diagnostic located at `path`, or at the nearest enclosing node that exists. */
  at(path: DocPath, code: DiagnosticCode, message: string, options?: LocateOptions): Diagnostic;
}

export interface LocateOptions {
  hint?: string | undefined;
  severity?: 'error' | 'warning';
  /** Point at the key of the last path segment rather than its value (unknown keys). */
  atKey?: boolean;
}

/** Result of reading a document: either the document, or the diagnostics that stopped it. */
export type ReadResult = { ok: true; document: SourceDocument } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Reads and parses a YAML or JSON file, refusing the hazards a hand-written or hostile file can
 * hold: a huge file, binary content, duplicate keys, alias bombs, and a top level that is not a
 * mapping. Every problem comes back as a located diagnostic; nothing throws for bad input.
 */
export async function readDocument(file: string): Promise<ReadResult> {
  const fail = (code: DiagnosticCode, message: string, hint?: string): ReadResult => ({
    ok: false,
    diagnostics: [{ code, severity: 'error', file, path: '', message, ...(hint ? { hint } : {}) }],
  });
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return fail('FILE_NOT_FOUND', `${file} is not a regular file`);
    size = info.size;
  } catch {
    return fail('FILE_NOT_FOUND', `cannot read ${file}: no such file`);
  }
  if (size > MAX_DOCUMENT_BYTES) {
    return fail('FILE_TOO_LARGE', `file is ${size} bytes; the limit is ${MAX_DOCUMENT_BYTES} bytes (1 MiB)`);
  }
  const bytes = await readFile(file);
  return parseSource(file, bytes);
}

/** Parses bytes already in memory, with the same checks as {@link readDocument}. */
export function parseSource(file: string, bytes: Uint8Array): ReadResult {
  const fail = (code: DiagnosticCode, message: string): ReadResult => ({
    ok: false,
    diagnostics: [{ code, severity: 'error', file, path: '', message }],
  });
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) {
    return fail(
      'FILE_TOO_LARGE',
      `file is ${bytes.byteLength} bytes; the limit is ${MAX_DOCUMENT_BYTES} bytes (1 MiB)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('BINARY_FILE', 'file is not UTF-8 text');
  }
  if (text.includes('\u0000'))
    return fail('BINARY_FILE', 'file contains NUL bytes: it is binary, not YAML or JSON');
  if (text.trim() === '') return fail('EMPTY_FILE', 'file is empty');

  if (file.toLowerCase().endsWith('.json')) {
    const problem = jsonSyntaxProblem(file, text);
    if (problem) return { ok: false, diagnostics: [problem] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.2' });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: Diagnostic[] = [];
  for (const error of doc.errors) {
    const code: DiagnosticCode = error.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX';
    const firstLine =
      error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    const message =
      code === 'DUPLICATE_KEY'
        ? `duplicate key ${JSON.stringify(keyAt(text, error.pos[0]))}: keys of a mapping must be unique`
        : firstLine;
    problems.push({ code, severity: 'error', file, path: '', ...position(error.pos[0]), message });
  }
  if (problems.length > 0) return { ok: false, diagnostics: problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias/i.test(message)) {
      return fail(
        'ALIAS_LIMIT',
        `too many alias expansions (limit ${MAX_ALIAS_COUNT}): the file looks like an alias bomb`,
      );
    }
    return fail('YAML_SYNTAX', message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = value === null ? 'nothing' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    return {
      ok: false,
      diagnostics: [
        {
          code: 'NOT_A_MAPPING',
          severity: 'error',
          file,
          path: '',
          line: 1,
          column: 1,
          message: `the top level must be a mapping of keys, found ${found}`,
        },
      ],
    };
  }

  const at: SourceDocument['at'] = (path, code, message, options = {}) => {
    const offset = locate(doc.contents, path, options.atKey ?? false);
    return {
      code,
      severity: options.severity ?? 'error',
      file,
      path: formatPath(path),
      ...(offset === undefined ? {} : position(offset)),
      message,
      ...(options.hint ? { hint: options.hint } : {}),
    };
  };
  return { ok: true, document: { file, value, at } };
}

/** Source offset of the node at `path`, falling back to the deepest ancestor that exists. */
function locate(root: Node | null | undefined, path: DocPath, atKey: boolean): number | undefined {
  let node: unknown = root;
  let offset = (root as Node | null | undefined)?.range?.[0];
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return offset;
      const key = pair.key as Node;
      if (last && atKey) return key.range?.[0] ?? offset;
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** The key text starting at `offset`, for messages about it. */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const quoted = /^(["'])(.*?)\1/.exec(rest);
  return quoted ? (quoted[2] ?? '') : (/^[^:\s,}\]]+/.exec(rest)?.[0] ?? '');
}

/**
 * JSON files get JSON's own syntax errors: YAML's wording ("flow sequence in block collection")
 * would puzzle someone who wrote JSON. Positions come from the parser's message.
 */
function jsonSyntaxProblem(file: string, text: string): Diagnostic | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const offset = Number(/position (\d+)/.exec(raw)?.[1] ?? Number.NaN);
    const message = raw.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    const where = Number.isNaN(offset) ? {} : lineAndColumn(text, offset);
    return {
      code: 'JSON_SYNTAX',
      severity: 'error',
      file,
      path: '',
      ...where,
      message: `invalid JSON: ${message}`,
    };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * A document built from a value that has no source text (a TaskGroup bundled as JSON, an API
 * request): diagnostics name the file and path but no line.
 */
export function plainDocument(file: string, value: unknown): SourceDocument {
  return {
    file,
    value,
    at: (path, code, message, options = {}) => ({
      code,
      severity: options.severity ?? 'error',
      file,
      path: formatPath(path),
      message,
      ...(options.hint ? { hint: options.hint } : {}),
    }),
  };
}
