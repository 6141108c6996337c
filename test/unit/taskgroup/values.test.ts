import { describe, expect, it } from 'vitest';
import { parseCountOrPercent, parseDuration, resolveCount } from '../../../shared/taskgroup/values.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['10', '1 h', 'soon', '-5s', '1.5h'])('refuses %s', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('counts and percentages', () => {
  it('reads counts and percentages and refuses percentages above 100', () => {
    expect(parseCountOrPercent(3)).toEqual({ kind: 'count', value: 3 });
    expect(parseCountOrPercent('3')).toEqual({ kind: 'count', value: 3 });
    expect(parseCountOrPercent('12.5%')).toEqual({ kind: 'percent', value: 12.5 });
    expect(parseCountOrPercent('101%')).toBeUndefined();
    expect(parseCountOrPercent(-1)).toBeUndefined();
    expect(parseCountOrPercent(1.5)).toBeUndefined();
  });

  it('rounds tolerances down and wave sizes up', () => {
    expect(resolveCount({ kind: 'percent', value: 10 }, 5, 'down')).toBe(0);
    expect(resolveCount({ kind: 'percent', value: 25 }, 10, 'up')).toBe(3);
    expect(resolveCount({ kind: 'percent', value: 10 }, 30, 'down')).toBe(3);
    expect(resolveCount({ kind: 'percent', value: 10 }, 30, 'up')).toBe(3);
    expect(resolveCount({ kind: 'count', value: 50 }, 20, 'up')).toBe(20);
  });
});
