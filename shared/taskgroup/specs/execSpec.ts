import { z } from 'zod';
import { envMapField } from '../fields.js';

/** `type: exec`: one shell command on each target host. */
export const ExecSpecSchema = z
  .strictObject({
    command: z
      .string()
      .min(1)
      .meta({ description: 'Shell command; ${{ }} references are substituted shell-quoted.' }),
    env: envMapField.optional(),
    workdir: z.string().min(1).optional().meta({ description: 'Directory the command starts in.' }),
    shell: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Shell that runs the command (default /bin/sh).' }),
  })
  .meta({ description: 'Run a shell command on each target host.' });

export type ExecSpec = z.infer<typeof ExecSpecSchema>;
