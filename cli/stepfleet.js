#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx, so the installed package needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main(process.argv);
