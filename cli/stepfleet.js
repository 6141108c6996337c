#!/usr/bin/env node
// Launcher: runs the bundled CLI (dist/, built by `npm ci` and before the tests), or the
// TypeScript sources through tsx when no bundle has been built.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// The CLI supports Node.js 20 (DESIGN §7); the AWS SDK's notice about its own future support is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A run spends its CPU across much code (SDK, ssh2, engine), little of it hot for long: V8's
// default eagerness optimises hundreds of functions whose compilation costs more than it saves
// (measured: a 200-host run spent more CPU in the optimising compiler than in optimised code).
// A 15x budget still optimises what stays hot, such as output processing in long runs.
setFlagsFromString('--interrupt-budget=1000000');

const bundle = new URL('../dist/stepfleet.mjs', import.meta.url);
let cli;
if (existsSync(bundle)) {
  cli = await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('./main.ts');
}
await cli.main(process.argv);
