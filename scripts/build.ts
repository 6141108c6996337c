// Bundles the CLI into dist/stepfleet.mjs (our code only; packages stay in node_modules), so the
// installed command starts without compiling TypeScript. Runs on `npm ci` (prepare) and before tests.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../cli/main.ts', import.meta.url).pathname],
  outfile: new URL('../dist/stepfleet.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
