#!/usr/bin/env node
// The checkout's `affine-vae`: runs the TypeScript sources through tsx, so there is no build to
// go stale. The npm package's command is the compiled dist/cli/bin.js.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
