import { z } from 'zod';
import { codedMessage } from './codedMessage.js';
import { PATTERNS } from './patterns.js';

/** Reusable field schemas; each failure carries its own diagnostic code. */

export const durationField = z
  .string({ error: codedMessage('INVALID_DURATION', 'must be a duration string like 500ms, 30s, 10m, 1h or 1h30m') })
  .regex(PATTERNS.duration, {
    error: codedMessage('INVALID_DURATION', 'must be a duration like 500ms, 30s, 10m, 1h or 1h30m'),
  })
  .meta({ description: 'A duration: 500ms, 30s, 10m, 1h, or a sum such as 1h30m.' });

export const countOrPercentField = z
  .union([z.int().min(0), z.string().regex(PATTERNS.countOrPercent)], {
    error: codedMessage('INVALID_COUNT_OR_PERCENT', 'must be a whole count like 3 or a percentage like 25%'),
  })
  .meta({ description: 'A whole number of hosts (3) or a percentage of the task\'s hosts ("25%").' });

export const envNameField = z
  .string()
  .regex(PATTERNS.envName, {
    error: codedMessage(
      'INVALID_ENV_NAME',
      'must be a valid environment variable name: letters, digits and _, not starting with a digit',
    ),
  });

export const envMapField = z
  .record(envNameField, z.string({ error: 'environment values must be strings (quote numbers: "8080")' }))
  .meta({ description: 'Environment variables set for the command.' });

export const taskNameField = z
  .string()
  .regex(PATTERNS.taskName, {
    error: codedMessage(
      'INVALID_TASK_NAME',
      'must start with a letter and use only letters, digits, - and _ (at most 48 characters)',
    ),
  });
