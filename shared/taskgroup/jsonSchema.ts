import { z } from 'zod';
import { InventorySchema } from '../inventory/schema.js';
import { TaskGroupSchema } from './schema.js';

const SCHEMA_BASE = 'https://stepfleet.dev/schema';

/**
 * JSON Schema documents generated from the zod schemas, for editors (yaml-language-server).
 * The committed copies under `schema/` are checked against these by a test.
 */
export function jsonSchemas(): Record<string, object> {
  const render = (schema: z.ZodType, id: string) => ({
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }),
    $id: `${SCHEMA_BASE}/${id}`,
  });
  return {
    'taskgroup.schema.json': render(TaskGroupSchema, 'taskgroup.schema.json'),
    'inventory.schema.json': render(InventorySchema, 'inventory.schema.json'),
  };
}

/** The text a schema file holds: stable two-space JSON with a final newline. */
export function renderSchemaFile(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
