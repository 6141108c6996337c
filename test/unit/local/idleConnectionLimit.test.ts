import { describe, expect, it } from 'vitest';
import { idleConnectionLimit } from '../../../shared/local/localRunnerDeps.js';

const limits = (soft: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             95634                95634                processes ',
    `Max open files            ${soft.padEnd(20)} 524288               files     `,
    '',
  ].join('\n');

describe('idleConnectionLimit', () => {
  it.each([
    ['1024', 448],
    ['4096', 1984],
    ['20000', 9936],
    ['64', 16],
  ])('keeps half of %s descriptors less 64 for hosts between tasks (at least 16)', (soft, kept) => {
    expect(idleConnectionLimit(limits(soft))).toBe(kept);
  });

  it('has no practical bound when the limit is unlimited, and 448 when it cannot be read', () => {
    expect(idleConnectionLimit(limits('unlimited'))).toBeGreaterThan(1e9);
    expect(idleConnectionLimit('')).toBe(448);
    expect(idleConnectionLimit('no such line')).toBe(448);
  });

  it("reads this process's own limit", () => {
    expect(idleConnectionLimit()).toBeGreaterThanOrEqual(16);
  });
});
