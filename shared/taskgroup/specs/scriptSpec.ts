import { z } from 'zod';
import { envMapField } from '../fields.js';

/**
 * `type: script`: a multi-line script shipped to each host and run there. The script is either
 * inline or a file next to the TaskGroup; `checkTaskGroup` enforces exactly one of the two.
 */
export const ScriptSpecSchema = z
  .strictObject({
    inline: z.string().min(1).optional().meta({ description: 'The script text.' }),
    file: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Path of the script, relative to the TaskGroup file.' }),
    interpreter: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Program that runs the script (default /bin/sh).' }),
    args: z.array(z.string()).optional().meta({ description: 'Arguments passed to the script.' }),
    env: envMapField.optional(),
    workdir: z.string().min(1).optional(),
  })
  .meta({ description: 'Ship a script to each target host and run it.' });

export type ScriptSpec = z.infer<typeof ScriptSpecSchema>;
