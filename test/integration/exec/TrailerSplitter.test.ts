import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrailerSplitter } from '../../../shared/exec/ssh/TrailerSplitter.js';
import { cutBytes } from '../../support/cutBytes.js';

const MARKER = '\u001estepfleet-output-0123abcd\u001e';

function split(chunks: Buffer[], keep = 1 << 20) {
  const forwarded: Buffer[] = [];
  const splitter = new TrailerSplitter(MARKER, (c) => forwarded.push(Buffer.from(c)), keep);
  for (const chunk of chunks) splitter.push(chunk);
  const trailer = splitter.end();
  return { before: Buffer.concat(forwarded).toString(), trailer: trailer?.toString() };
}

describe('TrailerSplitter', () => {
  it('splits stderr from the output file however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (stderr, output, points) => {
          fc.pre(!stderr.includes(MARKER));
          const result = split(cutBytes(`${stderr}${MARKER}${output}`, points));
          expect(result.before).toBe(stderr);
          expect(result.trailer).toBe(output);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('passes everything on when the marker never comes (a killed job)', () => {
    const result = split(cutBytes(`partial output${MARKER.slice(0, 10)}`, [3, 17, 20]));
    expect(result.before).toBe(`partial output${MARKER.slice(0, 10)}`);
    expect(result.trailer).toBeUndefined();
  });

  it('keeps at most the bound of the trailer', () => {
    expect(split([Buffer.from(`x${MARKER}${'y'.repeat(100)}`)], 10).trailer).toBe('y'.repeat(10));
  });
});
