// Bundles the CLI into dist/stepfleet.mjs (our code only; packages stay in node_modules), so the
// installed command starts without compiling TypeScript. Runs on `npm ci` (prepare) and before tests.
// Code only some commands need (AWS clients of `secret` tasks…) is loaded with `import()`; code
// splitting keeps it, and the packages it imports, out of every other command's start-up.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

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
  sourcemap: 'linked',
  logLevel: 'warning',
});
