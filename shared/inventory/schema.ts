import { z } from 'zod';
import { codedMessage } from '../taskgroup/codedMessage.js';
import { durationField } from '../taskgroup/fields.js';

const hostNameField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
  error: codedMessage('INVALID_NAME', 'host names use letters, digits, ., - and _ (no glob characters)'),
});
const tagField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/=+@-]{0,127}$/, {
  error: codedMessage('INVALID_VALUE', 'tags use letters, digits and ._/=+@-'),
});

/** Connection settings a host inherits from the inventory's `defaults` unless it sets its own. */
const connectionFields = {
  user: z.string().min(1).optional(),
  port: z.int().min(1).max(65535).optional(),
  transport: z.enum(['ssh', 'ssm']).optional(),
  identity_file: z.string().min(1).optional().meta({ description: 'Private key file (local runs).' }),
  identity_secret: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Secrets Manager secret holding the private key (cloud runs).' }),
  known_hosts: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'known_hosts file, relative to the inventory file.' }),
  host_key_policy: z.enum(['strict', 'accept-new']).optional(),
  connect_timeout: durationField.optional(),
};

export const InventoryHostSchema = z.strictObject({
  name: hostNameField,
  address: z.string().min(1).optional(),
  instance_id: z
    .string()
    .regex(/^(?:i|mi)-[0-9a-f]{8,17}$/, {
      error: codedMessage(
        'INVALID_VALUE',
        'must be an EC2 instance id like i-0123456789abcdef0 or a managed instance id mi-…',
      ),
    })
    .optional(),
  tags: z.array(tagField).optional(),
  host_key: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Pinned public host key: "ssh-ed25519 AAAA…".' }),
  ...connectionFields,
});

export const InventorySchema = z
  .strictObject({
    $schema: z.string().optional(),
    defaults: z.strictObject(connectionFields).optional(),
    hosts: z.array(InventoryHostSchema),
  })
  .meta({ title: 'stepfleet inventory' });

export type InventoryFile = z.infer<typeof InventorySchema>;
export type InventoryHostEntry = z.infer<typeof InventoryHostSchema>;
