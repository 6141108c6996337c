import { z } from 'zod';
import { parseSelector } from '../inventory/selectors.js';
import { checkSchedule } from './checkSchedule.js';
import { codedMessage } from './codedMessage.js';
import { PATTERNS } from './patterns.js';
import { parseCountOrPercent, parseDuration } from './values.js';

/**
 * Reusable field schemas. Each failure carries its own diagnostic code, and value checks live
 * here rather than in a later pass so that one run of the schema reports all of them at once.
 */

const DURATION_TEXT = 'must be a duration like 500ms, 30s, 10m, 1h or 1h30m';

export const durationField = z
  .string({ error: codedMessage('INVALID_DURATION', DURATION_TEXT) })
  .regex(PATTERNS.duration, { error: codedMessage('INVALID_DURATION', DURATION_TEXT) })
  .refine((text) => parseDuration(text) !== 0, {
    error: codedMessage('INVALID_DURATION', 'must be longer than 0'),
  })
  .meta({ description: 'A duration: 500ms, 30s, 10m, 1h, or a sum such as 1h30m.' });

const COUNT_TEXT = 'must be a whole count like 3 or a percentage like 25%';

export const countOrPercentField = z
  .union(
    [
      z
        .int({ error: codedMessage('INVALID_COUNT_OR_PERCENT', COUNT_TEXT) })
        .min(0, { error: codedMessage('INVALID_COUNT_OR_PERCENT', 'must not be negative') }),
      z
        .string()
        .regex(PATTERNS.countOrPercent, { error: codedMessage('INVALID_COUNT_OR_PERCENT', COUNT_TEXT) }),
    ],
    { error: codedMessage('INVALID_COUNT_OR_PERCENT', COUNT_TEXT) },
  )
  // Only a value of the right form gets this second check; the union already reported the rest.
  .refine(
    (value) =>
      typeof value === 'number' ||
      !PATTERNS.countOrPercent.test(value) ||
      parseCountOrPercent(value) !== undefined,
    {
      error: codedMessage('INVALID_COUNT_OR_PERCENT', 'a percentage must be between 0% and 100%'),
    },
  )
  .meta({ description: 'A whole number of hosts (3) or a percentage of the task\'s hosts ("25%").' });

export const batchField = countOrPercentField.refine(
  (value) => (parseCountOrPercent(value)?.value ?? 1) > 0,
  {
    error: codedMessage(
      'INVALID_COUNT_OR_PERCENT',
      'a wave must hold at least 1 host: use a count of 1 or more, or more than 0%',
    ),
  },
);

export const envNameField = z.string().regex(PATTERNS.envName, {
  error: codedMessage(
    'INVALID_ENV_NAME',
    'must be a valid environment variable name: letters, digits and _, not starting with a digit',
  ),
});

export const envMapField = z
  .record(envNameField, z.string({ error: 'environment values must be strings (quote numbers: "8080")' }))
  .meta({ description: 'Environment variables set for the command.' });

export const taskNameField = z.string().regex(PATTERNS.taskName, {
  error: codedMessage(
    'INVALID_TASK_NAME',
    'must start with a letter and use only letters, digits, - and _ (at most 48 characters)',
  ),
});

export const selectorField = z
  .string()
  .superRefine((text, ctx) => {
    const parsed = parseSelector(text);
    if ('error' in parsed)
      ctx.addIssue({ code: 'custom', message: codedMessage('INVALID_SELECTOR', parsed.error) });
  })
  .meta({ description: 'Host name, glob (web-*), tag:NAME, all, local, or ec2:KEY=VALUE (SSM only).' });

export const scheduleField = z
  .string()
  .superRefine((text, ctx) => {
    const problem = checkSchedule(text);
    if (problem) ctx.addIssue({ code: 'custom', message: codedMessage('INVALID_SCHEDULE', problem) });
  })
  .meta({
    description:
      'EventBridge Scheduler expression: cron(0 3 * * ? *), rate(1 hour), at(2027-01-01T00:00:00).',
    pattern: PATTERNS.schedule.source,
  });
