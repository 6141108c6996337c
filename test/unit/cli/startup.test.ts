import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

/** The part of esbuild's metafile (dist/meta.json, written by scripts/build.ts) the tests read. */
interface Metafile {
  outputs: Record<
    string,
    { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }
  >;
}

const meta = (): Metafile => JSON.parse(readFileSync(join(ROOT, 'dist/meta.json'), 'utf8')) as Metafile;

/** The package a source path belongs to (`node_modules/@scope/name/…` → `@scope/name`), if any. */
function packageOf(input: string): string | undefined {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

/**
 * The packages in the bundle files that `output` loads: bundled into them, or imported from
 * node_modules. `kinds` says which imports count: static ones only, for what loads at start-up.
 */
function packagesLoadedBy(metafile: Metafile, output: string, kinds: readonly string[]): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const entry = metafile.outputs[file];
    if (!entry) throw new Error(`${file} is not in the metafile`);
    for (const input of Object.keys(entry.inputs)) {
      const name = packageOf(input);
      if (name) packages.add(name);
    }
    for (const imported of entry.imports) {
      if (!kinds.includes(imported.kind)) continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(output);
  return packages;
}

const HEAVY = /^(@aws-sdk\/|@smithy\/|ssh2$|aws-local-stepfunctions$|dynalite$|asl-validator$)/;

describe('CLI bundle', () => {
  it('loads no AWS SDK client, SSH or Step Functions engine before a command needs it', () => {
    // The bundle is built by the test suite's global setup.
    const atStartUp = [...packagesLoadedBy(meta(), 'dist/stepfleet.mjs', ['import-statement'])];

    expect(atStartUp).toEqual(expect.arrayContaining(['commander', 'yaml', 'zod']));
    expect(atStartUp.filter((name) => HEAVY.test(name))).toEqual([]);
  });

  it('keeps ssh2 and dynalite in node_modules, and bundles every other package', () => {
    const metafile = meta();
    const external = new Set(
      Object.values(metafile.outputs).flatMap((o) =>
        o.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path),
      ),
    );
    const bundled = new Set(
      Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs).map(packageOf)),
    );

    expect([...external].sort()).toEqual(['ssh2']);
    expect(bundled).toContain('@aws-sdk/client-dynamodb');
    expect(bundled).not.toContain('ssh2');
    expect(bundled).not.toContain('dynalite');
  });

  it('puts the SSH thread beside the chunk that starts it, and ssh2 in that thread only', () => {
    // Prepare
    const metafile = meta();
    const holding = (source: string) =>
      Object.keys(metafile.outputs).filter(
        (file) => file.endsWith('.mjs') && source in (metafile.outputs[file]?.inputs ?? {}),
      );
    const [starter] = holding('shared/exec/ssh/SshThreadExecutor.ts');

    // Act
    const atRunStart = packagesLoadedBy(metafile, starter as string, ['import-statement']);
    const inThread = packagesLoadedBy(metafile, 'dist/chunks/ssh-thread.mjs', ['import-statement']);

    // Assess: SshThreadExecutor looks for ./ssh-thread.mjs next to its own file.
    expect(holding('shared/exec/ssh/sshThread.ts')).toEqual(['dist/chunks/ssh-thread.mjs']);
    expect(starter).toMatch(/^dist\/chunks\/[^/]+\.mjs$/);
    expect(atRunStart).not.toContain('ssh2');
    expect(inThread).toContain('ssh2');
  });

  it('bundles the local engine without the Lambda client, Cognito credentials or ASL validator it never uses', async () => {
    // Prepare
    const metafile = meta();
    const engineFile = Object.keys(metafile.outputs).find((file) =>
      Object.keys(metafile.outputs[file]?.inputs ?? {}).some((input) =>
        input.startsWith('node_modules/aws-local-stepfunctions/'),
      ),
    );
    const {
      LambdaClient,
      fromCognitoIdentityPool,
      default: validate,
    } = await import('../../../scripts/engine-stubs/unavailable.js');

    // Act: everything the engine's file loads, at once or later.
    expect(engineFile).toBeDefined();
    const loaded = packagesLoadedBy(metafile, engineFile as string, ['import-statement', 'dynamic-import']);

    // Assess: the engine's own dependencies are there; the three it never uses are not.
    expect(loaded).toContain('jsonpath-plus');
    for (const unused of [
      '@aws-sdk/client-lambda',
      '@aws-sdk/credential-providers',
      '@aws-sdk/credential-provider-cognito-identity',
      'asl-validator',
    ]) {
      expect(loaded).not.toContain(unused);
    }
    expect(() => new LambdaClient()).toThrow(/not available in a local run/);
    expect(() => fromCognitoIdentityPool()).toThrow(/not available in a local run/);
    expect(() => validate()).toThrow(/not available in a local run/);
  });
});
