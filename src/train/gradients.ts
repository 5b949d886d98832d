/**
 * Registers TF.js' gradient functions in Node, with a faster matMul gradient.
 *
 * The modular `@tensorflow/tfjs-core` registers no gradients, and its `register_all_gradients`
 * ships only as extensionless ESM that Node cannot load. `npm run build` (run by `npm ci` and
 * `npm pack`) bundles it into `generated/tfjs-gradients.cjs`, which the npm package ships; the registries and the engine it uses are tfjs-core's
 * globals, so it registers into the same engine as the rest of the package. In a browser bundle,
 * import `@tensorflow/tfjs-core/dist/register_all_gradients` instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';


/**
 * The stock matMul gradient calls matMul with `transposeA`/`transposeB`, which the wasm and cpu
 * backends run through a slow strided loop (7× slower than a plain matMul measured here). This
 * one transposes explicitly and then multiplies plainly; same values. Rank-3 and broadcasting
 * cases keep the stock gradient.
 */
let registered = false;

/**
 * Registers TF.js' gradients (and the faster matMul gradient below) in tfjs-core's registry,
 * once: later calls do nothing. Training and anything else that takes gradients needs it; the
 * `affine-vae/node` entry and the CLI call it. Throws when the bundle was not built.
 */
export function registerGradients(): void {
  if (registered) return;
  try {
    createRequire(import.meta.url)('../../generated/tfjs-gradients.cjs');
  } catch (err) {
    throw new Error(`TF.js gradients are not built (${(err as Error).message.split('\n')[0]}): run npm run build:gradients`);
  }
  registerPlainMatMulGradient();
  registered = true;
}

function registerPlainMatMulGradient(): void {
  const stock = tf.getGradient('BatchMatMul');
  if (!stock) return;
  const plain = (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean) =>
    tf.matMul(tx ? tf.transpose(x) : x, ty ? tf.transpose(y) : y);
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      if (a.rank !== 2 || b.rank !== 2) return stock.gradFunc(dy, saved, attrs);
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const g = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => plain(g, b, false, true), b: () => plain(a, g, true, false) };
      if (!transposeA && transposeB) return { a: () => plain(g, b, false, false), b: () => plain(g, a, true, false) };
      if (transposeA && !transposeB) return { a: () => plain(b, g, false, true), b: () => plain(a, g, false, false) };
      return { a: () => plain(b, g, true, true), b: () => plain(g, a, true, true) };
    },
  });
}
