// Bundles the CLI, with the packages it uses, into dist/stepfleet.mjs and its chunks, so the
// installed command starts without compiling TypeScript or resolving hundreds of package files
// (measured: a 200-host run 0.91x the wall time and 0.88x the CPU of a bundle that left packages
// in node_modules; `--version` 0.17 s instead of 0.23 s). Runs on `npm ci` (prepare) and before
// tests. Code only some commands need (AWS clients of `secret` tasks…) is loaded with `import()`;
// code splitting keeps it, and the packages it imports, out of every other command's start-up.
// dist/meta.json (esbuild's metafile) says which sources went into which file; the tests read it.
import { rmSync, writeFileSync } from 'node:fs';
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

/**
 * Packages that stay in node_modules: ssh2 loads its optional native binding by a path relative to
 * its own files, and dynalite runs in a worker thread that requires it by its resolved path.
 */
const UNBUNDLED = ['ssh2', 'dynalite'];

/** CommonJS packages in an ESM bundle call `require` (for Node's built-in modules): give them one. */
const REQUIRE_SHIM =
  "import { createRequire as __stepfleetCreateRequire } from 'node:module'; const require = __stepfleetCreateRequire(import.meta.url);";

const root = new URL('..', import.meta.url).pathname;
const outdir = `${root}dist`;
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  // The SSH thread of local runs goes beside the chunks, where the chunk that starts it looks.
  entryPoints: [
    { in: `${root}cli/main.ts`, out: 'stepfleet' },
    { in: `${root}shared/exec/ssh/sshThread.ts`, out: 'chunks/ssh-thread' },
  ],
  // Paths in the metafile are relative to the project, wherever the build was started from.
  absWorkingDir: root,
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: UNBUNDLED,
  // The ESM builds of packages that ship both (the AWS SDK, yaml): esbuild drops more of them
  // (dist/ 8.0 MB against 9.1 MB with source maps).
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_SHIM },
  plugins: [localEngine],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(`${outdir}/meta.json`, JSON.stringify(metafile));
