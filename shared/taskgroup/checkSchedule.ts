/**
 * Checks an EventBridge Scheduler expression. Written by hand: the scheduler's cron dialect
 * (six fields, `?`, `L`, `W`, `#`, a year field) is not what general cron libraries parse, and
 * the one AWS-specific parser on npm accepts garbage such as `a b c d e f`.
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 * @returns undefined when valid, else what is wrong.
 */
export function checkSchedule(expression: string): string | undefined {
  const match = /^(cron|rate|at)\((.*)\)$/.exec(expression);
  if (!match) return 'must be cron(...), rate(...) or at(...)';
  const [, kind, body = ''] = match;
  if (kind === 'rate') return checkRate(body);
  if (kind === 'at') return checkAt(body);
  return checkCron(body);
}

function checkRate(body: string): string | undefined {
  const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!m) return 'rate(...) takes "<value> <unit>", e.g. rate(5 minutes)';
  const value = Number(m[1]);
  const unit = m[2] ?? '';
  if (value < 1) return 'rate(...) value must be at least 1';
  if (value === 1 && unit.endsWith('s'))
    return `rate(1 ${unit}) must use the singular unit "${unit.slice(0, -1)}"`;
  if (value > 1 && !unit.endsWith('s')) return `rate(${value} ${unit}) must use the plural unit "${unit}s"`;
  return undefined;
}

function checkAt(body: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) return 'at(...) takes yyyy-mm-ddThh:mm:ss, e.g. at(2027-01-31T03:00:00)';
  const date = new Date(`${body}Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== body) {
    return `at(${body}) is not a real date and time`;
  }
  return undefined;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Special tokens this field allows besides numbers, ranges, lists and steps. */
  special?: RegExp;
}

const FIELDS: CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(?:\?|L|LW|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: DAYS,
    special: /^(?:\?|L|[1-7]L|[A-Z]{3}L|[1-7]#[1-5]|[A-Z]{3}#[1-5])$/,
  },
  { name: 'year', min: 1970, max: 2199 },
];

function checkCron(body: string): string | undefined {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    return `cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), found ${parts.length}`;
  }
  for (const [i, field] of FIELDS.entries()) {
    const problem = checkCronField(parts[i] ?? '', field);
    if (problem) return `cron(...) ${field.name} field: ${problem}`;
  }
  const dayOfMonth = parts[2];
  const dayOfWeek = parts[4];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'cron(...) needs "?" in exactly one of day-of-month and day-of-week';
  }
  return undefined;
}

function checkCronField(text: string, field: CronField): string | undefined {
  for (const item of text.split(',')) {
    if (field.special?.test(item.toUpperCase())) {
      if (item.includes('#') || item.endsWith('L')) {
        const day = item.replace(/[#L].*$/, '');
        if (day !== '' && parseValue(day, field) === undefined)
          return `"${day}" is not a valid ${field.name}`;
      }
      continue;
    }
    const [range = '', step] = item.split('/');
    if (step !== undefined && !/^\d{1,4}$/.test(step)) return `step "${step}" must be a number`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2 || bounds.some((b) => b === '')) return `"${item}" is not a value, range or list`;
    for (const bound of bounds) {
      if (parseValue(bound, field) === undefined) {
        return `"${bound}" is not between ${field.min} and ${field.max}${field.names ? ` or a name like ${field.names[0]}` : ''}`;
      }
    }
  }
  return undefined;
}

function parseValue(text: string, field: CronField): number | undefined {
  const byName = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (byName >= 0) return byName + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}
