/**
 * Registers TF.js' gradient functions in Node.
 *
 * The modular `@tensorflow/tfjs-core` registers no gradients, and its `register_all_gradients`
 * ships only as extensionless ESM that Node cannot load. `npm ci` (the `prepare` script) bundles
 * it into `build/tfjs-gradients.cjs`; the registries and the engine it uses are tfjs-core's
 * globals, so it registers into the same engine as the rest of the package. In a browser bundle,
 * import `@tensorflow/tfjs-core/dist/register_all_gradients` instead.
 */
import '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require('../../build/tfjs-gradients.cjs');
} catch (err) {
  throw new Error(`TF.js gradients are not built (${(err as Error).message.split('\n')[0]}): run npm ci or npm run prepare`);
}
