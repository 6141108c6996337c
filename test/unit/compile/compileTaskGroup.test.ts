import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { compileTaskGroup, renderDefinition } from '../../../shared/compile/compileTaskGroup.js';
import { estimateRun } from '../../../shared/compile/estimateRun.js';
import { AWS_LIMITS } from '../../../shared/limits.js';
import { COMPILABLE, collect, load } from '../../support/compileFixtures.js';

const ROOT = join(import.meta.dirname, '../../..');
const GOLDEN = join(ROOT, 'test/golden');

describe('compileTaskGroup', () => {
  for (const file of COMPILABLE) {
    it(`compiles ${basename(file)} to a definition asl-validator accepts, byte-identical every time`, async () => {
      const group = await load(file);
      const first = renderDefinition(compileTaskGroup(group).definition);
      const second = renderDefinition(compileTaskGroup(await load(file)).definition);
      expect(second).toBe(first);
      const result = aslValidator(JSON.parse(first));
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    });
  }

  it('asl-validator rejects a broken definition (the check above can fail)', async () => {
    const compiled = compileTaskGroup(await load(join(ROOT, 'examples/hello.yaml')));
    const broken = { ...compiled.definition, StartAt: 'no-such-state' };
    expect(aslValidator(broken as never).isValid).toBe(false);
  });

  const goldens = COMPILABLE.filter((f) => !f.includes('/targets/'));
  it('has golden files for at least 10 TaskGroups', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(10);
  });
  for (const file of goldens) {
    const name = `${basename(file, '.yaml')}.asl.json`;
    it(`matches the golden definition test/golden/${name}`, async () => {
      const rendered = renderDefinition(compileTaskGroup(await load(file)).definition);
      const golden = join(GOLDEN, name);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, rendered);
      expect(existsSync(golden), 'run with UPDATE_GOLDEN=1 to create it').toBe(true);
      expect(rendered).toBe(readFileSync(golden, 'utf8'));
    });
  }

  it('keeps state names within the AWS limit and never puts hosts or commands in the definition', async () => {
    const group = await load(join(ROOT, 'examples/deploy-web.yaml'));
    const text = renderDefinition(compileTaskGroup(group).definition);
    const names = [...text.matchAll(/"([^"]+)": \{\n\s+"Type"/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(AWS_LIMITS.stateNameLength);
    expect(text).not.toContain('./deploy.sh');
    expect(text).not.toContain('LOG_LEVEL');
    expect(text).not.toContain('web-*');
  });

  it('gives every Task state a timeout and retries only Lambda service errors and its own retryable error', async () => {
    const compiled = compileTaskGroup(await load(join(ROOT, 'examples/deploy-web.yaml')));
    const tasks = collect(compiled.definition, (s) => s.Type === 'Task');
    expect(tasks.length).toBe(Object.keys(compiled.taskStates).length);
    for (const task of tasks) {
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      const retried = (task.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(retried).not.toContain('States.ALL');
      expect(retried).not.toContain('States.TaskFailed');
      expect(retried.every((e) => e.startsWith('Lambda.') || e === 'Stepfleet.RetryableError')).toBe(true);
    }
    expect(compiled.definition.TimeoutSeconds).toBe(24 * 3600);
  });

  it('keeps 3 tasks over 10,000 hosts under 20% of the history limit with payloads under 16 KiB', async () => {
    const group = await load(join(ROOT, 'test/fixtures/compile/chain.yaml'));
    const compiled = compileTaskGroup(group);
    const estimate = estimateRun(group, compiled.definition, () => 10_000);
    expect(estimate.historyEvents).toBeLessThan(AWS_LIMITS.historyEvents * 0.2);
    expect(estimate.largestPayloadBytes).toBeLessThan(16 * 1024);
    expect(estimate.tasks.every((t) => t.layout.shardSize <= 256)).toBe(true);
  });
});
