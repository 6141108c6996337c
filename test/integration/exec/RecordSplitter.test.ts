import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordSplitter } from '../../../shared/exec/ssh/RecordSplitter.js';
import { cutBytes } from '../../support/cutBytes.js';

const OPEN = '\u001estepfleet-pid-0123abcd:';
const CLOSE = '\u001e';

function split(chunks: Buffer[]) {
  const forwarded: Buffer[] = [];
  const records: string[] = [];
  const splitter = new RecordSplitter({
    open: OPEN,
    close: CLOSE,
    onRecord: (value) => records.push(value),
    forward: (c) => forwarded.push(Buffer.from(c)),
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { rest: Buffer.concat(forwarded).toString(), records };
}

describe('RecordSplitter', () => {
  it('takes the record out of the stream however the stream is cut, and passes the rest on', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 2, max: 4_000_000 }),
        fc.string(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (before, pgid, after, points) => {
          const { rest, records } = split(cutBytes(`${before}${OPEN}${pgid}${CLOSE}${after}`, points));
          expect(records).toEqual([String(pgid)]);
          expect(rest).toBe(`${before}${after}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('passes on a stream without the record, and text that only opens like one', () => {
    expect(split([Buffer.from('login banner\n'), Buffer.from('\u001estepfleet-pid')])).toEqual({
      rest: 'login banner\n\u001estepfleet-pid',
      records: [],
    });
    const overlong = `${OPEN}${'9'.repeat(40)}${CLOSE}tail`;
    expect(split([Buffer.from(overlong)])).toEqual({ rest: overlong, records: [] });
  });

  it('takes only the first record', () => {
    const text = `${OPEN}12${CLOSE}between${OPEN}34${CLOSE}`;
    expect(split([Buffer.from(text)])).toEqual({ rest: `between${OPEN}34${CLOSE}`, records: ['12'] });
  });
});
