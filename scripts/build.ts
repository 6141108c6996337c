// Bundles the CLI into dist/stepfleet.mjs (our code only; packages stay in node_modules), so the
// installed command starts without compiling TypeScript. Runs on `npm ci` (prepare) and before tests.
// Code only some commands need (AWS clients of `secret` tasks…) is loaded with `import()`; code
// splitting keeps it, and the packages it imports, out of every other command's start-up.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';

const UNAVAILABLE = new URL('./engine-stubs/unavailable.ts', import.meta.url).pathname;

/**
 * The local engine (aws-local-stepfunctions) is bundled, so that three of its imports can be left
 * out: the Lambda client and the Cognito credential provider (a local run overrides every Task
 * state with in-process handlers) and the ASL validator (definitions are validated when compiled,
 * and the engine is told not to). Loading them cost every `run` about 0.15 s of CPU at start-up.
 * Any use of the stand-in throws.
 */
const localEngine: Plugin = {
  name: 'local-engine',
  setup(bundle) {
    bundle.onResolve({ filter: /^aws-local-stepfunctions$/ }, () => ({
      path: createRequire(import.meta.url)
        .resolve('aws-local-stepfunctions')
        .replace(/main\.node\.cjs$/, 'main.node.esm.js'),
    }));
    bundle.onResolve(
      { filter: /^(@aws-sdk\/client-lambda|@aws-sdk\/credential-providers|asl-validator)$/ },
      (args) => (args.importer.includes('aws-local-stepfunctions') ? { path: UNAVAILABLE } : undefined),
    );
  },
};

const outdir = new URL('../dist', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { stepfleet: new URL('../cli/main.ts', import.meta.url).pathname },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [localEngine],
  sourcemap: 'linked',
  logLevel: 'warning',
});
