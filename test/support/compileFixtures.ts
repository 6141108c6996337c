import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import type { TaskGroup } from '../../shared/taskgroup/schema.js';

const ROOT = join(import.meta.dirname, '../..');

/** Every valid TaskGroup the project ships: examples and compile fixtures. */
export const COMPILABLE = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.yaml') && f !== 'inventory.yaml')
    .map((f) => join(ROOT, 'examples', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/compile')).map((f) => join(ROOT, 'test/fixtures/compile', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/targets')).map((f) => join(ROOT, 'test/fixtures/targets', f)),
];

export async function load(file: string): Promise<TaskGroup> {
  const loaded = await loadTaskGroup(file);
  if (!loaded.ok) throw new Error(`${file} must be valid: ${JSON.stringify(loaded.diagnostics)}`);
  return loaded.group;
}

/** Every state object in a definition (branches and item processors included) matching `test`. */
export function collect(
  node: unknown,
  test: (state: Record<string, unknown>) => boolean,
): Record<string, unknown>[] {
  if (Array.isArray(node)) return node.flatMap((n) => collect(n, test));
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const self = typeof record.Type === 'string' && test(record) ? [record] : [];
  return [...self, ...Object.values(record).flatMap((v) => collect(v, test))];
}
