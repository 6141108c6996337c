import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * vitest global setup: rebuilds the CLI bundle before any test spawns `stepfleet`, so the tests
 * always run the code in the tree (and the same bundle users run), however vitest was started.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '../..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/build.ts')],
    { stdio: 'inherit' },
  );
}
