import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Diagnostic } from '../../../shared/diagnostics/Diagnostic.js';
import { loadInventory } from '../../../shared/inventory/loadInventory.js';
import { loadTaskGroup } from '../../../shared/taskgroup/loadTaskGroup.js';
import { resolveTargets } from '../../../shared/taskgroup/resolveTargets.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const EXAMPLES = join(import.meta.dirname, '../../../examples');

interface Expectations {
  taskgroups: Record<string, string[]>;
  inventories: Record<string, string[]>;
  targets: Record<string, string[]>;
}
const expectations = parse(readFileSync(join(FIXTURES, 'expectations.yaml'), 'utf8')) as Expectations;

/** The compact form the expectations file uses: `CODE path line:col`. */
function compact(d: Diagnostic): string {
  return `${d.code} ${d.path || '-'} ${d.line ?? '-'}:${d.column ?? '-'}`;
}

async function validInventory() {
  const inventory = await loadInventory(join(FIXTURES, 'inventories/valid.yaml'));
  if (!inventory.ok) throw new Error('fixture inventory must be valid');
  return inventory.hosts;
}

describe('invalid fixtures', () => {
  it('has an expectation for every fixture file, and at least 40 of them', () => {
    const files = [
      ...readdirSync(join(FIXTURES, 'invalid')).map((f) => `invalid/${f}`),
      ...readdirSync(join(FIXTURES, 'inventories'))
        .filter((f) => f !== 'valid.yaml')
        .map((f) => `inventories/${f}`),
      ...readdirSync(join(FIXTURES, 'targets')).map((f) => `targets/${f}`),
    ].sort();
    const listed = [
      ...Object.keys(expectations.taskgroups),
      ...Object.keys(expectations.inventories),
      ...Object.keys(expectations.targets),
    ].sort();
    expect(listed).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const [fixture, expected] of Object.entries(expectations.taskgroups)) {
    it(`reports exactly the expected diagnostics for ${fixture}`, async () => {
      const result = await loadTaskGroup(join(FIXTURES, fixture));
      expect(result.ok).toBe(false);
      expect(result.diagnostics.map(compact)).toEqual(expected);
      for (const d of result.diagnostics) {
        expect(d.file).toBe(join(FIXTURES, fixture));
        expect(d.message.length).toBeGreaterThan(10);
        expect(d.message.includes('\u001f')).toBe(false);
        expect(d.message).not.toContain('Invalid input');
      }
    });
  }

  for (const [fixture, expected] of Object.entries(expectations.inventories)) {
    it(`reports exactly the expected diagnostics for ${fixture}`, async () => {
      const result = await loadInventory(join(FIXTURES, fixture));
      expect(result.ok).toBe(false);
      expect(result.diagnostics.map(compact)).toEqual(expected);
    });
  }

  for (const [fixture, expected] of Object.entries(expectations.targets)) {
    it(`reports exactly the expected target diagnostics for ${fixture}`, async () => {
      const loaded = await loadTaskGroup(join(FIXTURES, fixture));
      if (!loaded.ok) throw new Error(`${fixture} must be valid without an inventory`);
      const resolved = resolveTargets(loaded.document, loaded.group, await validInventory());
      expect(resolved.diagnostics.map(compact)).toEqual(expected);
    });
  }
});

describe('examples', () => {
  const taskGroups = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') && f !== 'inventory.yaml');

  for (const file of taskGroups) {
    it(`validates examples/${file} and resolves its targets against the example inventory`, async () => {
      const loaded = await loadTaskGroup(join(EXAMPLES, file));
      expect(loaded.diagnostics).toEqual([]);
      if (!loaded.ok) return;
      const inventory = await loadInventory(join(EXAMPLES, 'inventory.yaml'));
      if (!inventory.ok) throw new Error('example inventory must be valid');
      const resolved = resolveTargets(loaded.document, loaded.group, inventory.hosts);
      expect(resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const target of resolved.targets) {
        expect(target.inRunner || target.hosts.length > 0).toBe(true);
      }
    });
  }

  it('resolves deploy-web targets as a de-duplicated union in selector order', async () => {
    const loaded = await loadTaskGroup(join(EXAMPLES, 'deploy-web.yaml'));
    const inventory = await loadInventory(join(EXAMPLES, 'inventory.yaml'));
    if (!loaded.ok || !inventory.ok) throw new Error('examples must be valid');
    const deploy = resolveTargets(loaded.document, loaded.group, inventory.hosts).targets.find(
      (t) => t.task === 'deploy',
    );
    expect(deploy?.hosts.map((h) => h.name)).toEqual(['web-1', 'web-2', 'web-3', 'web-4']);
  });
});
