import { describe, expect, it } from 'vitest';
import { createOutputCapture } from '../../../shared/vars/outputCapture.js';

describe('createOutputCapture', () => {
  it('masks a secret split across chunks before capping', () => {
    // Prepare
    const capture = createOutputCapture({ secrets: ['topsecret'], headBytes: 100, tailBytes: 100 });

    // Act
    capture.push('token: top');
    capture.push(Buffer.from('secret\n'));
    const result = capture.finish();

    // Assess
    expect(result).toEqual({ text: 'token: ***\n', droppedBytes: 0 });
  });

  it('masks a secret that straddles the cut, so neither half is kept', () => {
    // Prepare: unmasked, the 4-byte head would end inside the first secret (xyzA).
    const capture = createOutputCapture({ secrets: ['ABCDEFGH'], headBytes: 4, tailBytes: 4, marker: false });

    // Act
    capture.push('xyzABC');
    capture.push(`DEFGH${'x'.repeat(20)}ABCDEFGH`);
    const result = capture.finish();

    // Assess
    expect(result.text).toBe('xyz*x***');
    expect(result.text).not.toMatch(/[A-H]/);
    expect(result.droppedBytes).toBe('xyz***'.length + 20 + '***'.length - 8);
  });
});
