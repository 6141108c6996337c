import { PATTERNS } from './patterns.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Milliseconds in a duration string, or undefined when it is not one.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | undefined {
  if (!PATTERNS.duration.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return total;
}

/** A count of hosts, absolute or relative to how many hosts a task has. */
export type CountOrPercent = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

/** Parses `3`, `"3"` or `"25%"`; undefined when the value is neither form. */
export function parseCountOrPercent(value: number | string): CountOrPercent | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? { kind: 'count', value } : undefined;
  }
  if (!PATTERNS.countOrPercent.test(value)) return undefined;
  if (value.endsWith('%')) {
    const percent = Number(value.slice(0, -1));
    return percent <= 100 ? { kind: 'percent', value: percent } : undefined;
  }
  return { kind: 'count', value: Number(value) };
}

/**
 * How many hosts out of `total` a count or percentage stands for. Tolerances round down, as
 * Step Functions' `ToleratedFailurePercentage` does (`10%` of 5 hosts tolerates 0); wave sizes
 * round up so that a wave is never empty.
 */
export function resolveCount(spec: CountOrPercent, total: number, rounding: 'down' | 'up'): number {
  if (spec.kind === 'count') return Math.min(spec.value, total);
  const exact = (spec.value * total) / 100;
  return rounding === 'down' ? Math.floor(exact + 1e-9) : Math.ceil(exact - 1e-9);
}
