import { z } from 'zod';
import { envNameField } from '../fields.js';

/**
 * `type: http`: one request from the runner. Exports may be `status`, `body`, or a name of
 * `extract`, which maps export names to JSON pointers (RFC 6901) into a JSON response body.
 */
export const HttpSpecSchema = z
  .strictObject({
    url: z
      .string()
      // `${{ … }}` references may hold spaces; the URL around them may not.
      .refine((url) => /^(?:https?:\/\/\S+|#\S*)$/.test(url.replace(/\$\{\{.*?\}\}/g, '#')), {
        error: 'must be an http:// or https:// URL (or a ${{ }} reference to one)',
      })
      .meta({ description: 'http:// or https:// URL; ${{ }} references are URL-encoded where they stand.' }),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    expect_status: z
      .union([z.int().min(100).max(599), z.array(z.int().min(100).max(599)).min(1)])
      .optional()
      .meta({ description: 'Status code(s) that count as success (default: any 2xx).' }),
    extract: z
      .record(
        envNameField,
        z.string().regex(/^(?:\/(?:[^~/]|~[01])*)*$/, { error: 'must be a JSON pointer like /data/version' }),
      )
      .optional()
      .meta({ description: 'Export name -> JSON pointer into the response body.' }),
  })
  .meta({ description: 'Make an HTTP request from the runner.' });

export type HttpSpec = z.infer<typeof HttpSpecSchema>;
