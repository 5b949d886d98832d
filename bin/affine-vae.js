#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build to go stale.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
