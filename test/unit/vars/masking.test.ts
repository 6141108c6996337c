import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMasker, MASK, maskDeep, maskText } from '../../../shared/vars/masking.js';

/** Feeds the chunks one by one and returns everything the masker released, as text. */
function maskChunks(secrets: readonly string[], chunks: readonly (Uint8Array | string)[]): string {
  const masker = createMasker(secrets);
  const out = chunks.map((chunk) => masker.push(chunk));
  out.push(masker.end());
  return Buffer.concat(out).toString('utf8');
}

/** Cuts `bytes` at the given offsets (any order, duplicates allowed). */
function cut(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

describe('createMasker', () => {
  it('masks a secret inside one chunk', () => {
    // Act
    const out = maskChunks(['hunter2'], ['password: hunter2\n']);

    // Assess
    expect(out).toBe('password: ***\n');
  });

  it('masks a secret split across two chunks', () => {
    // Act
    const out = maskChunks(['hunter2'], ['password: hun', 'ter2\n']);

    // Assess
    expect(out).toBe('password: ***\n');
  });

  it('masks a secret split across many one-byte chunks', () => {
    // Prepare
    const chunks = [...Buffer.from('a hunter2 b')].map((byte) => Buffer.from([byte]));

    // Act
    const out = maskChunks(['hunter2'], chunks);

    // Assess
    expect(out).toBe('a *** b');
  });

  it('masks a multi-byte secret split in the middle of a character', () => {
    // Prepare
    const bytes = Buffer.from('key=clé€😀!');
    const inEuro = bytes.indexOf(Buffer.from('€')) + 1;

    // Act
    const out = maskChunks(['clé€😀'], [bytes.subarray(0, inEuro), bytes.subarray(inEuro)]);

    // Assess
    expect(out).toBe('key=***!');
  });

  it('holds back the last (longest secret - 1) bytes until the next chunk or end()', () => {
    // Prepare
    const masker = createMasker(['s3cret']);

    // Act
    const first = masker.push('x s3cr');
    const second = masker.push('et and s3c');
    const last = masker.end();

    // Assess
    expect(first.toString()).toBe('x');
    expect(second.toString()).toBe(` ${MASK} an`);
    expect(last.toString()).toBe('d s3c');
  });

  it('prefers the longest secret when secrets overlap', () => {
    // Act
    const out = maskChunks(['abc', 'abcdef', 'cde'], ['xxabcd', 'efyy abcx cdez']);

    // Assess
    expect(out).toBe('xx***yy ***x ***z');
  });

  it('masks every occurrence, back to back', () => {
    // Act
    const out = maskChunks(['ab'], ['abab', 'ab']);

    // Assess
    expect(out).toBe(MASK.repeat(3));
  });

  it('ignores empty secrets and passes the stream through when there are none', () => {
    // Act
    const withEmpty = maskChunks(['', 'x'], ['axb']);
    const withNone = maskChunks([''], ['a', 'b']);

    // Assess
    expect(withEmpty).toBe('a***b');
    expect(withNone).toBe('ab');
  });

  it('refuses a push after end()', () => {
    // Prepare
    const masker = createMasker(['x']);
    masker.end();

    // Act
    const act = () => masker.push('x');

    // Assess
    expect(act).toThrow(/after end/);
  });
});

describe('maskText', () => {
  it('masks every secret in a text', () => {
    // Act
    const text = maskText('token=abc123 user=bob again abc123', ['abc123', 'bob']);

    // Assess
    expect(text).toBe('token=*** user=*** again ***');
  });

  it('treats regular-expression characters in secrets literally', () => {
    // Act
    const text = maskText('a.b a+b (x|y) $1', ['a+b', '(x|y)', '$1']);

    // Assess
    expect(text).toBe('a.b *** *** ***');
  });
});

describe('maskDeep', () => {
  it('masks strings at any depth and keeps keys and other values', () => {
    // Prepare
    const result = {
      status: 'failed',
      hosts: { 'web-1': { stdout: 'tok=XYZ', exitCode: 1, tags: ['XYZ'] } },
      error: null,
    };

    // Act
    const masked = maskDeep(result, ['XYZ']);

    // Assess
    expect(masked).toEqual({
      status: 'failed',
      hosts: { 'web-1': { stdout: 'tok=***', exitCode: 1, tags: ['***'] } },
      error: null,
    });
    expect(result.hosts['web-1'].stdout).toBe('tok=XYZ');
  });
});

// Properties: secrets and text from a tiny alphabet (with multi-byte characters) so that
// secrets overlap, repeat and straddle chunk borders often. Secrets never contain the mask's `*`.
const piece = fc.constantFrom('a', 'b', 'é', '€', '😀', ' ');
const secretArb = fc.string({ unit: piece, minLength: 1, maxLength: 6 });
const secretsArb = fc.uniqueArray(secretArb, { minLength: 1, maxLength: 4 });
const caseArb = secretsArb.chain((secrets) =>
  fc.record({
    secrets: fc.constant(secrets),
    text: fc
      .array(
        fc.oneof(
          fc.constantFrom(...secrets),
          fc.string({ unit: fc.oneof(piece, fc.constant('*')), maxLength: 5 }),
        ),
        {
          maxLength: 12,
        },
      )
      .map((items) => items.join('')),
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
  }),
);

describe('masking properties', () => {
  it('masks a chunked stream exactly as maskText masks the whole text', () => {
    fc.assert(
      fc.property(caseArb, ({ secrets, text, cuts }) => {
        // Act
        const streamed = maskChunks(secrets, cut(Buffer.from(text), cuts));

        // Assess
        expect(streamed).toBe(maskText(text, secrets));
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets a secret through, whatever the chunking', () => {
    fc.assert(
      fc.property(caseArb, ({ secrets, text, cuts }) => {
        // Act
        const streamed = maskChunks(secrets, cut(Buffer.from(text), cuts));

        // Assess
        for (const secret of secrets) expect(streamed).not.toContain(secret);
      }),
      { numRuns: 1000 },
    );
  });
});
