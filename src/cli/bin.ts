#!/usr/bin/env node
// The `affine-vae` command of the npm package (compiled to dist/cli/bin.js). In the checkout,
// bin/affine-vae.js runs the TypeScript sources instead.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
