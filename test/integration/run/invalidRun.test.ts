import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/runCli.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/invalid');

describe('stepfleet run of an invalid request', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stepfleet-invalid-run-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a TaskGroup that fails validation', [join(FIXTURES, 'bad-duration.yaml')]],
    [
      'a missing inventory',
      [join(FIXTURES, 'bad-duration.yaml'), '-i', join(FIXTURES, 'no-such-inventory.yaml')],
    ],
    [
      'a malformed --input',
      [join(import.meta.dirname, '../../../examples/hello.yaml'), '--input', 'novalue'],
    ],
  ])('exits 2 for %s and leaves no run store behind', async (_label, args) => {
    // Prepare
    const state = join(dir, `state-${Math.random().toString(36).slice(2)}`);

    // Act
    const result = await runCli(['run', ...args, '--state-dir', state]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(state)).toBe(false);
  });
});
