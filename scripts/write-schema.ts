// Regenerates schema/*.json from the zod schemas: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { jsonSchemas, renderSchemaFile } from '../shared/taskgroup/jsonSchema.js';

for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schema/${name}`, import.meta.url), renderSchemaFile(schema));
  process.stdout.write(`wrote schema/${name}\n`);
}
