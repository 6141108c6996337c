import type { ExecutionResult, ExecutionStatus } from '../exec/HostExecutor.js';
import { STEPFLEET_LIMITS } from '../limits.js';
import type { Task } from '../taskgroup/schema.js';
import {
  createOutputCapture,
  formatReference,
  MissingValueError,
  maskText,
  parseTemplate,
  type Resolver,
  substitute,
  TemplateError,
} from '../vars/index.js';
import type { TaskTypeRunner } from './TaskTypeRunner.js';

/** A task of `type: http`. */
export type HttpTask = Extract<Task, { type: 'http' }>;

/** Options of {@link createHttpTaskRunner}. */
export interface HttpTaskRunnerOptions {
  /** The fetch to use; default Node's global `fetch`. */
  fetch?: typeof fetch;
}

/** A problem that ends the task, with the status it gets; its message is masked before use. */
class HttpTaskProblem extends Error {
  override readonly name = 'HttpTaskProblem';
  constructor(
    readonly status: ExecutionStatus,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Error codes (of the error or its `cause`) that mean the request never reached a server that
 * accepted it: DESIGN §5 `unreachable`, "connection or authentication failure, nothing ran". A
 * TLS certificate the runner cannot trust is the server failing authentication.
 */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The `http` task type (DESIGN §2): one request from the runner with Node's `fetch`, bounded by
 * `context.timeoutMs` (→ `timed_out`) and `context.signal` (→ `cancelled`).
 *
 * - `${{ }}` references are substituted as plain text in headers and body, and in the URL as
 *   {@link substituteUrl} says (percent-encoded after the host, so a value cannot add path segments
 *   or query parameters).
 * - Status: `expect_status` (one code or a list; default any 2xx) decides `success` or `failed`.
 * - Outputs: `status` (the code as text), `body` (the first 32 KiB of the body as UTF-8,
 *   STEPFLEET_LIMITS.httpBodyExportBytes) and every `extract` name: the value at its JSON pointer
 *   (RFC 6901) in the JSON body, a string as it is, anything else as JSON text. A pointer that finds
 *   nothing, or a body that is not JSON, fails the task naming the pointer. Bodies are read up to
 *   1 MiB (STEPFLEET_LIMITS.httpBodyReadBytes); past it `extract` fails, `body` is still the head.
 * - Connection refused, DNS failure, untrusted certificate → `unreachable`.
 * - stdout is a summary line and the body; it and every message are masked with the run's
 *   confidential values (also in their percent-encoded form, as they would appear in a URL).
 *   Outputs are data and are not masked: whether they are confidential is the export's decision.
 */
export function createHttpTaskRunner(options: HttpTaskRunnerOptions = {}): TaskTypeRunner<HttpTask> {
  const doFetch = options.fetch ?? fetch;
  return {
    async run(task, context) {
      const startedAt = new Date();
      const secrets = [
        ...new Set(context.confidential.flatMap((s) => (s === '' ? [] : [s, safeEncode(s) ?? s]))),
      ];
      const stdout = createOutputCapture({ secrets });
      const finish = (fields: {
        status: ExecutionStatus;
        error?: string;
        outputs?: Record<string, string>;
      }): ExecutionResult => ({
        status: fields.status,
        exitCode: null,
        signal: null,
        stdout: stdout.finish(),
        stderr: { text: '', droppedBytes: 0 },
        outputs: fields.outputs ?? {},
        error: fields.error === undefined ? null : maskText(`task "${task.name}": ${fields.error}`, secrets),
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
      });

      if (context.signal?.aborted)
        return finish({ status: 'cancelled', error: 'cancelled before it started' });
      const method = task.spec.method ?? 'GET';
      let url: string;
      let headers: Record<string, string>;
      let body: string | undefined;
      try {
        url = substituteUrl(task.spec.url, context.resolve);
        headers = {};
        for (const [name, template] of Object.entries(task.spec.headers ?? {})) {
          const value = substitute(template, context.resolve);
          // fetch would refuse it too, with a message that quotes the value.
          if (/[\r\n\0]/.test(value))
            throw new HttpTaskProblem('failed', `header ${name} contains a line break or NUL`);
          headers[name] = value;
        }
        body = task.spec.body === undefined ? undefined : substitute(task.spec.body, context.resolve);
        if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
          throw new HttpTaskProblem(
            'failed',
            `a ${method} request cannot have a body; use POST, PUT or PATCH`,
          );
        }
      } catch (error) {
        if (error instanceof HttpTaskProblem) return finish({ status: error.status, error: error.message });
        if (error instanceof TemplateError || error instanceof MissingValueError) {
          return finish({ status: 'failed', error: `${error.message.replace(/\.$/, '')}; nothing was sent` });
        }
        return finish({ status: 'failed', error: `${describe(error)}; nothing was sent` });
      }

      const timeout = AbortSignal.timeout(Math.max(1, context.timeoutMs));
      const signal = context.signal === undefined ? timeout : AbortSignal.any([context.signal, timeout]);
      const stopped = (): HttpTaskProblem | undefined => {
        if (context.signal?.aborted)
          return new HttpTaskProblem('cancelled', `cancelled during ${method} ${url}`);
        if (timeout.aborted) {
          return new HttpTaskProblem(
            'timed_out',
            `${method} ${url} timed out after ${formatMs(context.timeoutMs)}`,
          );
        }
        return undefined;
      };

      let response: Response;
      let read: { bytes: Buffer; complete: boolean; total: number };
      try {
        response = await doFetch(url, { method, headers, body, signal, redirect: 'follow' });
        read = await readBody(response, STEPFLEET_LIMITS.httpBodyReadBytes);
      } catch (error) {
        const problem = stopped() ?? requestProblem(error, method, url);
        return finish({ status: problem.status, error: problem.message });
      }

      const statusLine = `${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
      const size = read.complete ? `${read.total} bytes` : `more than ${read.total} bytes`;
      const type = response.headers.get('content-type');
      stdout.push(`${method} ${url} → ${statusLine}, ${size}${type === null ? '' : ` (${type})`}\n`);
      if (read.bytes.length > 0) stdout.push(read.bytes);
      if (read.bytes.length > 0 && read.bytes.at(-1) !== 0x0a) stdout.push('\n');

      const bodyExport = headOfUtf8(read.bytes, STEPFLEET_LIMITS.httpBodyExportBytes);
      if (bodyExport.length < read.total || !read.complete) {
        stdout.push(`[stepfleet] the body export keeps the first ${Buffer.byteLength(bodyExport)} bytes\n`);
      }
      const outputs: Record<string, string> = { status: String(response.status), body: bodyExport };

      const expected = task.spec.expect_status;
      const ok =
        expected === undefined
          ? response.status >= 200 && response.status <= 299
          : (Array.isArray(expected) ? expected : [expected]).includes(response.status);
      if (!ok) {
        const wanted =
          expected === undefined
            ? 'a 2xx status'
            : (Array.isArray(expected) ? expected : [expected]).join(' or ');
        return finish({
          status: 'failed',
          outputs,
          error: `${method} ${url} answered ${statusLine}, expected ${wanted}`,
        });
      }

      const extract = Object.entries(task.spec.extract ?? {});
      if (extract.length > 0) {
        if (!read.complete) {
          return finish({
            status: 'failed',
            outputs,
            error: `the response body is larger than ${STEPFLEET_LIMITS.httpBodyReadBytes} bytes, so extract cannot read it`,
          });
        }
        let document: unknown;
        try {
          document = JSON.parse(read.bytes.toString('utf8'));
        } catch {
          // The parse error quotes the body; the summary above already shows it, masked.
          return finish({
            status: 'failed',
            outputs,
            error: `the response body is not JSON${type === null ? '' : ` (${type})`}, so extract cannot read it`,
          });
        }
        for (const [name, pointer] of extract) {
          const found = evaluatePointer(document, pointer);
          if (!found.ok) {
            return finish({
              status: 'failed',
              outputs,
              error: `extract ${name}: the JSON pointer "${pointer}" finds nothing in the response (${found.reason})`,
            });
          }
          outputs[name] = typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
        }
      }
      return finish({ status: 'success', outputs });
    },
  };
}

/**
 * Substitutes the `${{ }}` references of a URL template. Where a reference sits decides how:
 * - **before the host is complete** (nothing or only `scheme://…` without a `/`, `?` or `#`
 *   after the host yet): the value is part of the URL's shape on purpose — `${{ inputs.base_url }}`
 *   or a whole URL — and goes in verbatim; but a value inside the host (after `://`) may not
 *   contain `/ ? # @` or whitespace, so it can only name a host or port, never move the request
 *   elsewhere;
 * - **after it** (path, query, fragment): the value is percent-encoded with `encodeURIComponent`,
 *   so `a/b?c=d&e` stays one path segment or one query value and cannot add segments or
 *   parameters. To pass a ready-made path or query, put it in a base-URL reference at the start.
 * The result must be an http(s) URL.
 *
 * @throws TemplateError or MissingValueError from shared/vars; HttpTaskProblem for a bad value.
 * @example
 * substituteUrl('https://api.example.com/items/${{ inputs.id }}?q=${{ inputs.q }}', resolve)
 * // with id "a/b" and q "x&y=1": 'https://api.example.com/items/a%2Fb?q=x%26y%3D1'
 */
export function substituteUrl(template: string, resolve: Resolver): string {
  const { parts, problems } = parseTemplate(template);
  if (problems.length > 0) throw new TemplateError(problems);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const source = `\${{ ${formatReference(part.reference)} }}`;
    const value = resolve(part.reference);
    if (value === undefined) throw new MissingValueError(formatReference(part.reference));
    const schemeEnd = out.indexOf('://');
    if (schemeEnd < 0) {
      out += value;
    } else if (!/[/?#]/.test(out.slice(schemeEnd + 3))) {
      if (/[/?#@\s\\]/.test(value)) {
        throw new HttpTaskProblem(
          'failed',
          `the value of ${source} cannot be part of the URL's host: it contains / ? # @ \\ or a space`,
        );
      }
      out += value;
    } else {
      const encoded = safeEncode(value);
      if (encoded === undefined)
        throw new HttpTaskProblem('failed', `the value of ${source} is not valid Unicode text`);
      out += encoded;
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(out);
  } catch {
    throw new HttpTaskProblem('failed', `"${out}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HttpTaskProblem('failed', `"${out}" is not an http:// or https:// URL`);
  }
  return out;
}

/**
 * Evaluates an RFC 6901 JSON pointer (`/data/items/0/name`; `~1` is `/`, `~0` is `~`).
 * Array indexes are decimal without leading zeros; `-` (past the end) finds nothing.
 */
export function evaluatePointer(
  document: unknown,
  pointer: string,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (pointer === '') return { ok: true, value: document };
  if (!pointer.startsWith('/')) return { ok: false, reason: 'a pointer starts with /' };
  let current = document;
  let at = '';
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= current.length) {
        return {
          ok: false,
          reason: `${at || 'the root'} is an array of ${current.length} without index "${token}"`,
        };
      }
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, token))
        return { ok: false, reason: `${at || 'the root'} has no member "${token}"` };
      current = (current as Record<string, unknown>)[token];
    } else {
      return {
        ok: false,
        reason: `${at || 'the root'} is ${current === null ? 'null' : typeof current}, not an object or array`,
      };
    }
    at += `/${raw}`;
  }
  return { ok: true, value: current };
}

/** Reads at most `limit` bytes of the body; `complete` says whether that was all of it. */
async function readBody(
  response: Response,
  limit: number,
): Promise<{ bytes: Buffer; complete: boolean; total: number }> {
  if (response.body === null) return { bytes: Buffer.alloc(0), complete: true, total: 0 };
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), complete: true, total };
    chunks.push(Buffer.from(value));
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { bytes: Buffer.concat(chunks).subarray(0, limit), complete: false, total: limit };
    }
  }
}

/** The first `limit` bytes of `bytes` as text, never cutting a UTF-8 character. */
function headOfUtf8(bytes: Buffer, limit: number): string {
  if (bytes.length <= limit) return bytes.toString('utf8');
  let end = limit;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** Why a request failed when neither the timeout nor the run's signal stopped it. */
function requestProblem(error: unknown, method: string, url: string): HttpTaskProblem {
  const code = errorCode(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new HttpTaskProblem(
      'unreachable',
      `${method} ${url} could not connect (${code}); nothing was sent`,
    );
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${describe(error.cause)}` : '';
  return new HttpTaskProblem('failed', `${method} ${url} failed: ${describe(error)}${cause}`);
}

/** The first `code` on the error, its causes, or the errors of an AggregateError (several addresses). */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  const fromCause = errorCode(cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = errorCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function safeEncode(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    return undefined; // a lone surrogate
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
