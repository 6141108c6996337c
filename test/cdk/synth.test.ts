import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readStackConfig, StackConfigError } from '../../cdk/config.js';
import { DeploymentLoadError, loadDeployment } from '../../cdk/loadDeployment.js';
import { ROOT, synthStack } from './synthStack.js';

const run = promisify(execFile);

describe('stack configuration (cdk.json context)', () => {
  it('refuses an unknown stepfleet: key with a did-you-mean', () => {
    expect(() =>
      readStackConfig({ 'stepfleet:taskGroupsDir': 'examples', 'stepfleet:logRetentionDay': 7 }),
    ).toThrow(/unknown context key "stepfleet:logRetentionDay". Did you mean "stepfleet:logRetentionDays"\?/);
  });

  it('reads JSON text given with -c and reports every bad value at once', () => {
    const error = (() => {
      try {
        readStackConfig({
          'stepfleet:taskGroupsDir': 'x',
          'stepfleet:network': '{"subnetIds":["nope"]}',
          'stepfleet:logRetentionDays': '-1',
        });
      } catch (e) {
        return e as StackConfigError;
      }
    })();
    expect(error).toBeInstanceOf(StackConfigError);
    expect(error?.problems.length).toBeGreaterThanOrEqual(3);
  });

  it('fails synth with located diagnostics when a TaskGroup file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepfleet-groups-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'name: bad\ntasks:\n  - name: a\n    type: exec\n    targets: [local]\n    depends_on: [biuld]\n    spec: { command: "true" }\n',
    );
    const config = readStackConfig({ 'stepfleet:taskGroupsDir': dir });
    const failure = await loadDeployment(config, ROOT).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DeploymentLoadError);
    expect((failure as Error).message).toMatch(/bad\.yaml:6:\d+\s+UNKNOWN_DEPENDENCY/);
  });

  it('fails synth when a scheduled TaskGroup lacks a required input', async () => {
    const config = readStackConfig({
      'stepfleet:taskGroupsDir': 'examples',
      'stepfleet:inventory': 'examples/inventory.yaml',
    });
    await expect(loadDeployment(config, ROOT)).rejects.toThrow(
      /input "env" is required[\s\S]*scheduleInputs/,
    );
  });
});

describe('synthesis with bundling (what `cdk synth` runs)', () => {
  it('bundles every function with the local esbuild, ssh2 native addons left out, TaskGroups shipped', async () => {
    const { outdir, violations } = await synthStack({}, { bundle: true });
    expect(violations).toEqual([]);
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(9);
    const shipped = assets.filter((a) => readdirSync(join(outdir, a)).includes('deployment.json'));
    expect(shipped).toHaveLength(6);
    const bundle = JSON.parse(readFileSync(join(outdir, shipped[0] as string, 'deployment.json'), 'utf8'));
    expect(Object.keys(bundle.taskGroups).sort()).toEqual([
      'deploy-web',
      'fleet-facts',
      'health-check',
      'hello',
      'restart-web',
    ]);
    for (const host of bundle.hosts) expect(host.identityFile).toBeUndefined();
    const restart = bundle.taskGroups['restart-web'].group.tasks.find(
      (t: { type: string }) => t.type === 'script',
    );
    if (restart) expect(restart.spec.file).toBeUndefined();
    const execHost = assets
      .map((a) => readFileSync(join(outdir, a, 'index.js'), 'utf8'))
      .find((code) => code.includes('sshcrypto.node'));
    expect(execHost).toBeDefined();
    expect(execHost).toMatch(/require\(["']\.\/crypto\/build\/Release\/sshcrypto\.node["']\)/);
  }, 180_000);

  it('`npx cdk synth --quiet` exits 0 offline (needs an aws-cdk CLI that reads cloud assembly schema 55)', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'stepfleet-cli-'));
    const result = await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(
      'stderr' in result ? result.stderr.split('\n').filter((l) => /compatible|mismatch|Error/.test(l)) : [],
    ).toEqual([]);
    expect(result).not.toHaveProperty('code');
  }, 240_000);
});
