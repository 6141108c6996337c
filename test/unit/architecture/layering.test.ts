import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

/** The pure domain: it may import no transport, no AWS SDK, no process spawning, no runtime. */
const DOMAIN = [
  'shared/taskgroup',
  'shared/inventory',
  'shared/diagnostics',
  'shared/document',
  'shared/compile',
  'shared/vars',
];
const FORBIDDEN_IN_DOMAIN = [
  /^@aws-sdk\//,
  /^ssh2$/,
  /^node:child_process$/,
  /^dynalite$/,
  /^aws-local-stepfunctions$/,
  /^aws-cdk-lib/,
  /^@middy\//,
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => (m[1] ?? m[2]) as string);
}

describe('layering', () => {
  it('keeps the domain free of AWS SDKs, ssh2, child processes and runtimes', () => {
    const offences = DOMAIN.flatMap(sources).flatMap((file) =>
      imports(file)
        .filter((spec) => FORBIDDEN_IN_DOMAIN.some((pattern) => pattern.test(spec)))
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offences).toEqual([]);
  });

  it('keeps shared/ free of Lambda events, the CLI and the stack', () => {
    const offences = sources('shared').flatMap((file) =>
      imports(file)
        .filter(
          (spec) =>
            /(^|\/)(lambdas|cli|cdk)\//.test(spec) || spec === 'aws-lambda' || spec.startsWith('@middy/'),
        )
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offences).toEqual([]);
  });

  it('finds the imports it checks (the scan itself works)', () => {
    expect(imports('shared/exec/ssh/SshExecutor.ts')).toContain('ssh2');
    expect(sources('shared/taskgroup').length).toBeGreaterThan(10);
  });
});
