import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capOutput, createOutputCap } from '../../../shared/vars/outputCap.js';

describe('createOutputCap', () => {
  it('keeps a stream within the budget whole', () => {
    // Prepare
    const cap = createOutputCap({ headBytes: 4, tailBytes: 4 });

    // Act
    cap.push('0123');
    cap.push(Buffer.from('4567'));
    const result = cap.finish();

    // Assess
    expect(result).toEqual({ text: '01234567', droppedBytes: 0 });
  });

  it('keeps head and tail and counts the bytes dropped between them', () => {
    // Prepare
    const cap = createOutputCap({ headBytes: 3, tailBytes: 4 });

    // Act
    for (const chunk of ['ab', 'cdefg', 'hijkl', 'mn']) cap.push(chunk);
    const result = cap.finish();

    // Assess
    expect(result).toEqual({ text: 'abc\n[… 7 bytes dropped …]\nklmn', droppedBytes: 7 });
  });

  it('uses a custom marker, or none', () => {
    // Act
    const custom = capOutput('0123456789', { headBytes: 2, tailBytes: 2, marker: (n) => `<${n}>` });
    const none = capOutput('0123456789', { headBytes: 2, tailBytes: 2, marker: false });

    // Assess
    expect(custom.text).toBe('01<6>89');
    expect(none.text).toBe('0189');
  });

  it('keeps only the tail when the head budget is 0', () => {
    // Act
    const result = capOutput('error at the end', { headBytes: 0, tailBytes: 7, marker: false });

    // Assess
    expect(result).toEqual({ text: 'the end', droppedBytes: 9 });
  });

  it('never cuts inside a multi-byte character, counting its bytes as dropped', () => {
    // Prepare: 'é' is 2 bytes, '😀' 4; head ends 1 byte into 'é', tail starts 1 byte into '😀'.
    const text = 'aé-middle-😀z';

    // Act
    const result = capOutput(text, { headBytes: 2, tailBytes: 4, marker: false });

    // Assess
    expect(result).toEqual({ text: 'az', droppedBytes: Buffer.byteLength(text) - 2 });
  });

  it('bounds memory by compacting the tail while the stream goes on', () => {
    // Prepare
    const cap = createOutputCap({ headBytes: 1, tailBytes: 3, marker: false });

    // Act
    for (let i = 0; i < 10_000; i++) cap.push(`${i % 10}`);
    const result = cap.finish();

    // Assess
    expect(result).toEqual({ text: '0789', droppedBytes: 10_000 - 4 });
  });

  it('rejects a budget that is not a whole number of bytes', () => {
    // Act
    const act = () => createOutputCap({ tailBytes: -1 });

    // Assess
    expect(act).toThrow(RangeError);
  });
});

describe('output cap properties', () => {
  const caseArb = fc.record({
    text: fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\n'), maxLength: 40 }),
    headBytes: fc.nat(20),
    tailBytes: fc.nat(20),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  });

  it('keeps a prefix and a suffix of whole characters within budget, and counts the rest', () => {
    fc.assert(
      fc.property(caseArb, ({ text, headBytes, tailBytes, cuts }) => {
        // Prepare
        const bytes = Buffer.from(text);
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const cap = createOutputCap({ headBytes, tailBytes, marker: (n) => `\u0000${n}\u0000` });

        // Act
        let from = 0;
        for (const point of [...points, bytes.length]) {
          cap.push(bytes.subarray(from, point));
          from = point;
        }
        const result = cap.finish();

        // Assess
        const [head = '', dropped, tail = ''] = result.text.split('\u0000');
        if (dropped === undefined) {
          expect(result).toEqual({ text, droppedBytes: 0 });
          expect(bytes.length).toBeLessThanOrEqual(headBytes + tailBytes);
          return;
        }
        expect(Number(dropped)).toBe(result.droppedBytes);
        expect(text.startsWith(head)).toBe(true);
        expect(text.endsWith(tail)).toBe(true);
        expect(Buffer.byteLength(head)).toBeLessThanOrEqual(headBytes);
        expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(tailBytes);
        expect(Buffer.byteLength(head) + result.droppedBytes + Buffer.byteLength(tail)).toBe(bytes.length);
        expect(result.text).not.toContain('\uFFFD');
      }),
      { numRuns: 1000 },
    );
  });
});
