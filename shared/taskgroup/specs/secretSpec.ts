import { z } from 'zod';

/**
 * `type: secret`: reads SSM Parameter Store or Secrets Manager inside the runner. Exactly one of
 * `parameter` and `secret_id`; its single export receives the value, confidential by default.
 */
export const SecretSpecSchema = z
  .strictObject({
    parameter: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'SSM parameter name (SecureString is decrypted).' }),
    secret_id: z.string().min(1).optional().meta({ description: 'Secrets Manager secret name or ARN.' }),
    json_key: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Take this key of a JSON secret instead of the whole value.' }),
    region: z.string().min(1).optional(),
  })
  .meta({ description: 'Read a secret inside the runner and export it (confidential by default).' });

export type SecretSpec = z.infer<typeof SecretSpecSchema>;
