import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'stepfleet-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stepfleet compile', () => {
  it('prints the golden definition, and writes it with a sidecar of placeholders with --out', async () => {
    const printed = await runCli(['compile', 'examples/deploy-web.yaml']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(readFileSync('test/golden/deploy-web.asl.json', 'utf8'));
    const written = await runCli(['compile', 'examples/deploy-web.yaml', '--out', dir]);
    expect(written.code).toBe(0);
    expect(aslValidator(JSON.parse(readFileSync(join(dir, 'deploy-web.asl.json'), 'utf8'))).isValid).toBe(
      true,
    );
    const sidecar = JSON.parse(readFileSync(join(dir, 'deploy-web.resources.json'), 'utf8'));
    expect(Object.keys(sidecar.placeholders)).toEqual([
      '${PrepareRunFunctionArn}',
      '${TaskGateFunctionArn}',
      '${ExecHostFunctionArn}',
      '${FinalizeRunFunctionArn}',
    ]);
    expect(sidecar.taskStates['deploy.run-shard']).toBe('exec-host');
  });

  it('exits 2 on an invalid file', async () => {
    const result = await runCli(['compile', 'test/fixtures/invalid/cycle-three.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TASK_CYCLE');
  });
});

describe('stepfleet plan', () => {
  it('shows hosts, shards, waves, estimates, prices with their date, and the inexact schedule note', async () => {
    const result = await runCli([
      'plan',
      'test/fixtures/compile/n-shape.yaml',
      '-i',
      'examples/inventory.yaml',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/│ a\s+│ web-1, web-2, web-3, web-4, db-1, app-1 \(6 hosts\)/);
    expect(result.stdout).toMatch(/per run: \d+ state transitions, \d+ history events \(limit 25000\)/);
    expect(result.stdout).toContain('prices: us-east-1 list prices of 2025-01-15');
    expect(result.stdout).toContain(
      'note: the DAG is not series-parallel; c may also wait for tasks they do not depend on',
    );
  });

  it('gives JSON with per-task layout and warns when a limit is near', async () => {
    const result = await runCli([
      'plan',
      'examples/deploy-web.yaml',
      '-i',
      'examples/inventory.yaml',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.tasks.find((t: { task: string }) => t.task === 'deploy')).toMatchObject({
      hosts: ['web-1', 'web-2', 'web-3', 'web-4'],
      waves: [
        { hosts: 1, shards: 1 },
        { hosts: 1, shards: 1 },
        { hosts: 1, shards: 1 },
        { hosts: 1, shards: 1 },
      ],
    });
    expect(plan.warnings).toEqual([]);
    expect(plan.cost.total).toBeGreaterThan(0);
  });

  it('warns of a host timeout longer than one exec invocation can run', async () => {
    const result = await runCli([
      'plan',
      'test/fixtures/compile/long-timeout.yaml',
      '-i',
      'examples/inventory.yaml',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('warning: task "migrate" allows 3600s per host');
  });
});
