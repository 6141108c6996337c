import { describe, expect, it } from 'vitest';
import { checkSchedule } from '../../../shared/taskgroup/checkSchedule.js';

describe('checkSchedule', () => {
  it.each([
    'cron(0 3 * * ? *)',
    'cron(0/15 * ? * MON-FRI *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 10 L * ? *)',
    'cron(0 8 ? * 6#3 2027)',
    'cron(15 10 ? * 6L 2026-2030)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(12 hours)',
    'at(2027-02-28T03:00:00)',
  ])('accepts %s', (expression) => {
    expect(checkSchedule(expression)).toBeUndefined();
  });

  it.each([
    ['cron(0 3 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 3 * *)', /needs 6 fields/],
    ['cron(61 3 * * ? *)', /minutes field/],
    ['cron(0 25 * * ? *)', /hours field/],
    ['cron(0 3 ? FOO MON *)', /month field/],
    ['cron(a b c d e f)', /minutes field/],
    ['rate(5 minute)', /plural/],
    ['rate(1 hours)', /singular/],
    ['rate(0 minutes)', /at least 1/],
    ['rate(soon)', /<value> <unit>/],
    ['at(2027-02-30T03:00:00)', /not a real date/],
    ['at(tomorrow)', /yyyy-mm-dd/],
    ['every day', /cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\)/],
  ])('rejects %s', (expression, problem) => {
    expect(checkSchedule(expression)).toMatch(problem);
  });
});
