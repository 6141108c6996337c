import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = join(import.meta.dirname, '../../../dist');

/** Specifiers a bundle file imports statically (`import … from "x"`, `import "x"`), not `import("x")`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(?:[^"';]*?\s+from\s+)?["']([^"']+)["'];?$/gm)].map(
    (m) => m[1] as string,
  );
}

/** Packages loaded before the CLI's first line runs: the entry file and the chunks it imports. */
function packagesAtStartUp(): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(join(DIST, 'stepfleet.mjs'));
  return packages;
}

describe('CLI start-up', () => {
  it('loads no AWS SDK client, SSH or Step Functions engine before a command needs it', () => {
    // The bundle is built by the test suite's global setup.
    const loaded = [...packagesAtStartUp()];

    expect(loaded).toContain('commander');
    const heavy = loaded.filter((p) =>
      /^(@aws-sdk\/|@smithy\/|ssh2$|aws-local-stepfunctions$|dynalite$|asl-validator$)/.test(p),
    );
    expect(heavy).toEqual([]);
  });

  it('bundles the local engine without the Lambda client, Cognito credentials or ASL validator it never uses', async () => {
    // Prepare
    const files = [
      join(DIST, 'stepfleet.mjs'),
      ...readdirSync(join(DIST, 'chunks'))
        .filter((f) => f.endsWith('.mjs'))
        .map((f) => join(DIST, 'chunks', f)),
    ];
    const bundled = files.map((file) => readFileSync(file, 'utf8')).join('\n');
    const imported = new Set(files.flatMap(staticImports));
    const {
      LambdaClient,
      fromCognitoIdentityPool,
      default: validate,
    } = await import('../../../scripts/engine-stubs/unavailable.js');

    // Assess: the engine is in the bundle, and no file of it imports the three packages up front.
    expect(bundled).toContain('// node_modules/aws-local-stepfunctions/build/main.node.esm.js');
    expect(imported).toContain('jsonpath-plus');
    for (const unused of ['@aws-sdk/client-lambda', '@aws-sdk/credential-providers', 'asl-validator']) {
      expect(imported).not.toContain(unused);
    }
    expect(() => new LambdaClient()).toThrow(/not available in a local run/);
    expect(() => fromCognitoIdentityPool()).toThrow(/not available in a local run/);
    expect(() => validate()).toThrow(/not available in a local run/);
  });
});
