import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/runCli.js';

describe('stepfleet validate', () => {
  it('exits 0 for valid files and names each', async () => {
    const result = await runCli(['validate', 'examples/hello.yaml', 'examples/deploy-web.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('examples/hello.yaml: valid (2 tasks)');
    expect(result.stdout).toContain('examples/deploy-web.yaml: valid (3 tasks)');
    expect(result.stderr).toBe('');
  });

  it('prints compiler-style lines with a hint and exits 2 for an invalid file', async () => {
    const result = await runCli(['validate', 'test/fixtures/invalid/unknown-dependency.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      'test/fixtures/invalid/unknown-dependency.yaml:9:18  UNKNOWN_DEPENDENCY  task "deploy" depends on unknown task "biuld" (at tasks[1].depends_on[0])',
    );
    expect(result.stdout).toContain('hint: Did you mean "build"?');
    expect(result.stdout).not.toMatch(/at .*\.ts:\d+/);
  });

  it('prints a JSON array of diagnostics with --json and nothing else on stdout', async () => {
    const result = await runCli([
      'validate',
      '--json',
      'test/fixtures/invalid/cycle-three.yaml',
      'examples/hello.yaml',
    ]);
    expect(result.code).toBe(2);
    const diagnostics = JSON.parse(result.stdout);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'TASK_CYCLE',
        path: 'tasks[0].depends_on[0]',
        line: 5,
        column: 18,
        severity: 'error',
      }),
    ]);
    expect(diagnostics[0].message).toContain('a -> c -> b -> a');
  });

  it('lists resolved targets per task with -i and reports selectors that match nothing', async () => {
    const ok = await runCli(['validate', 'examples/deploy-web.yaml', '-i', 'examples/inventory.yaml']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('  deploy: web-1, web-2, web-3, web-4 (4 hosts)');
    expect(ok.stdout).toContain('  fetch-token: runs in the runner');
    const bad = await runCli([
      'validate',
      'test/fixtures/targets/no-match.yaml',
      '-i',
      'test/fixtures/inventories/valid.yaml',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain(
      'SELECTOR_NO_MATCH  selector "cache-*" of task "a" matches no host in the inventory',
    );
  });

  it('exits 2 on usage errors and 0 for --help on every command', async () => {
    expect((await runCli(['validate'])).code).toBe(2);
    expect((await runCli(['no-such-command'])).code).toBe(2);
    for (const command of [[], ['validate'], ['graph']]) {
      const help = await runCli([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: stepfleet');
    }
  });
});

describe('stepfleet graph', () => {
  it('prints a mermaid flowchart with each task and its targets', async () => {
    const result = await runCli(['graph', 'examples/deploy-web.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'flowchart TD',
        '  t0["fetch-token (secret)<br/>runner"]',
        '  t1["build (exec)<br/>local"]',
        '  t2["deploy (exec)<br/>web-*, tag:canary"]',
        '  t1 --> t2',
        '  t0 --> t2',
        '',
      ].join('\n'),
    );
  });

  it('prints dot with resolved hosts when given an inventory', async () => {
    const result = await runCli([
      'graph',
      '--format',
      'dot',
      'examples/fleet-facts.yaml',
      '-i',
      'examples/inventory.yaml',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"facts" -> "disk";');
    expect(result.stdout).toContain('web-1, web-2, web-3, web-4, db-1, app-1 (6 hosts)');
  });

  it('reports an invalid file on stderr and exits 2', async () => {
    const result = await runCli(['graph', 'test/fixtures/invalid/self-dependency.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('TASK_CYCLE');
  });
});
