import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jsonSchemas, renderSchemaFile } from '../../../shared/taskgroup/jsonSchema.js';

const ROOT = join(import.meta.dirname, '../../..');

describe('committed JSON Schemas', () => {
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    it(`keeps schema/${name} in sync with the zod schema (run npm run schema to update)`, () => {
      expect(readFileSync(join(ROOT, 'schema', name), 'utf8')).toBe(renderSchemaFile(schema));
    });
  }

  it('accepts every example TaskGroup and inventory, and rejects shape errors an editor should flag', () => {
    // Prepare
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const schemas = jsonSchemas();
    const taskGroup = ajv.compile(schemas['taskgroup.schema.json'] as object);
    const inventory = ajv.compile(schemas['inventory.schema.json'] as object);
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
    // Act / Assess
    for (const file of examples) {
      const value = parse(readFileSync(join(ROOT, 'examples', file), 'utf8'));
      const check = file === 'inventory.yaml' ? inventory : taskGroup;
      expect(check(value), `${file}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    for (const fixture of [
      'unknown-task-key.yaml',
      'unknown-type.yaml',
      'bad-duration.yaml',
      'wrong-types.yaml',
    ]) {
      const value = parse(readFileSync(join(ROOT, 'test/fixtures/invalid', fixture), 'utf8'));
      expect(taskGroup(value), fixture).toBe(false);
    }
  });
});
