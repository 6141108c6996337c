#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx, so the installed package needs no build step.
import { register } from 'tsx/esm/api';

// The CLI supports Node.js 20 (DESIGN §7); the AWS SDK's notice about its own future support is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('./main.ts');
await main(process.argv);
