/** What every confidential value is replaced with. */
export const MASK = '***';

const MASK_BYTES = Buffer.from(MASK);

/**
 * Masks confidential values in a stream of output chunks. Feed every chunk to `push` and the
 * masked bytes come out; call `end` once at the end of the stream for the bytes held back.
 */
export interface Masker {
  /** Masks one chunk; returns the bytes that can be released now (possibly none). */
  push(chunk: Uint8Array | string): Buffer;
  /** Releases the held-back bytes, masked. The masker must not be used afterwards. */
  end(): Buffer;
}

/**
 * A streaming masker over UTF-8 bytes (DESIGN §4: confidential values become `***` in every
 * capture). A secret is masked even when the stream splits it across chunks, even in the middle
 * of a multi-byte character: the masker holds back the last `longest secret − 1` bytes of each
 * chunk until the next one shows how they continue.
 *
 * Matching is leftmost-longest, exactly as {@link maskText} on the whole output: scanning from
 * the start, at each position the longest secret found there is replaced and scanning resumes
 * after it. Empty secrets are ignored. Masking hides accidental exposure; a command that prints
 * a secret transformed (base64, reversed, split by escape codes) is not caught. A secret that
 * contains `*` may reappear glued to a `***`.
 *
 * @example
 * const masker = createMasker(['hunter2']);
 * Buffer.concat([masker.push('pass: hun'), masker.push('ter2\n'), masker.end()]).toString()
 * // 'pass: ***\n'
 */
export function createMasker(secrets: Iterable<string>): Masker {
  const byFirstByte = new Map<number, Buffer[]>();
  let longest = 0;
  for (const secret of normalizeSecrets(secrets)) {
    const bytes = Buffer.from(secret);
    const first = bytes[0] ?? 0;
    const list = byFirstByte.get(first) ?? [];
    list.push(bytes);
    byFirstByte.set(first, list);
    longest = Math.max(longest, bytes.length);
  }
  let held: Buffer = Buffer.alloc(0);
  let ended = false;

  /** Masks data[0, limit) (a match starting there may run past limit) and holds the rest back. */
  const release = (data: Buffer, limit: number): Buffer => {
    const out: Buffer[] = [];
    let runStart = 0;
    let i = 0;
    while (i < limit) {
      const match = matchAt(byFirstByte, data, i);
      if (match === 0) {
        i += 1;
        continue;
      }
      if (i > runStart) out.push(data.subarray(runStart, i));
      out.push(MASK_BYTES);
      i += match;
      runStart = i;
    }
    if (i > runStart) out.push(data.subarray(runStart, i));
    // Copy: a subarray would keep the whole chunk alive.
    held = Buffer.from(data.subarray(i));
    return Buffer.concat(out);
  };

  return {
    push(chunk) {
      if (ended) throw new Error('Masker.push called after end()');
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk)
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (longest === 0) return Buffer.from(bytes);
      const data = held.length === 0 ? bytes : Buffer.concat([held, bytes]);
      // Every match starting before the limit is fully inside data, so the decision there is final.
      return release(data, data.length - (longest - 1));
    },
    end() {
      ended = true;
      const data = held;
      return release(data, data.length);
    },
  };
}

/** Length of the longest secret at data[i], or 0. Lists are sorted longest first. */
function matchAt(byFirstByte: ReadonlyMap<number, Buffer[]>, data: Buffer, i: number): number {
  const candidates = byFirstByte.get(data[i] ?? -1);
  if (candidates === undefined) return 0;
  for (const secret of candidates) {
    if (i + secret.length <= data.length && secret.compare(data, i, i + secret.length) === 0)
      return secret.length;
  }
  return 0;
}

/**
 * Replaces every confidential value in `text` with `***` (leftmost-longest, like
 * {@link createMasker}). For stored or printed fields: error messages, results, log lines.
 *
 * @example maskText('token=abc123 user=bob', ['abc123']) // 'token=*** user=bob'
 */
export function maskText(text: string, secrets: Iterable<string>): string {
  return textMasker(secrets)(text);
}

/**
 * A copy of `value` with {@link maskText} applied to every string inside it: array items and
 * object property values, at any depth. Keys, numbers and other scalars are kept as they are.
 * For results and API responses before they leave the process.
 */
export function maskDeep<T>(value: T, secrets: Iterable<string>): T {
  const mask = textMasker(secrets);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return mask(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object' && isPlainObject(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    }
    return node;
  };
  return walk(value) as T;
}

function isPlainObject(node: object): boolean {
  const proto = Object.getPrototypeOf(node);
  return proto === Object.prototype || proto === null;
}

/** Compiles the secrets once into one alternation, longest first, so the longest match wins. */
function textMasker(secrets: Iterable<string>): (text: string) => string {
  const list = normalizeSecrets(secrets);
  if (list.length === 0) return (text) => text;
  const pattern = new RegExp(
    list.map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
    'g',
  );
  return (text) => text.replace(pattern, MASK);
}

/** Distinct non-empty secrets, longest first. */
function normalizeSecrets(secrets: Iterable<string>): string[] {
  return [...new Set(secrets)]
    .filter((secret) => secret !== '')
    .sort((a, b) => Buffer.byteLength(b) - Buffer.byteLength(a));
}
