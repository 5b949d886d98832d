import * as tf from '@tensorflow/tfjs-core';
import type { CoordinateDecoder } from '../model/decoder.ts';
import type { DecoderEngine } from '../model/engine.ts';
import type { NativeAddon, NativeKernel, NativeRunArgs } from './addon.ts';

/** The native engine, with a running count of the work its products did. */
export interface NativeEngine extends DecoderEngine {
  /** The compiled variant that runs (see {@link NativeKernel}). */
  readonly kernel: NativeKernel;
  /** Multiply-adds executed by the H1 × H2 products so far, and what dense products would have taken. */
  readonly work: { macs: number; denseMacs: number };
}

/**
 * The decoder on the native addon: one fused op per call, threads over images, the products
 * on native/gemm.c (which skips relu zeros). Forward for decoding; for training, the reconstruction error (squared error or
 * cross-entropy) and all its gradients in the same pass (a `tf.customGrad` op), so the `B·P × H` activations are never stored or recomputed.
 * @param kernel the compiled variant to run (default: the best this CPU runs).
 */
export function nativeEngine(addon: NativeAddon, threads: number, kernel: NativeKernel = addon.kernels()[0]): NativeEngine {
  const work = { macs: 0, denseMacs: 0 };
  const run = (a: NativeRunArgs) => {
    const r = addon.run({ ...a, kernel });
    work.macs += r.macs;
    work.denseMacs += r.denseMacs;
    return r;
  };
  const gridCache = new WeakMap<tf.Tensor, Float32Array>();
  const gridValues = (grid: tf.Tensor2D) => {
    let v = gridCache.get(grid);
    if (!v) gridCache.set(grid, (v = grid.dataSync() as Float32Array));
    return v;
  };
  const args = (decoder: CoordinateDecoder, content: tf.Tensor2D, affine: tf.Tensor2D | null, grid: tf.Tensor2D): NativeRunArgs => {
    const [l1, l2] = decoder.hidden;
    return {
      B: content.shape[0],
      P: grid.shape[0],
      Zc: content.shape[1],
      H1: l1.units,
      H2: l2.units,
      threads,
      grad: 0,
      content: content.dataSync() as Float32Array,
      affine: affine ? (affine.dataSync() as Float32Array) : null,
      grid: gridValues(grid),
      W1: l1.kernel.dataSync() as Float32Array,
      b1: l1.bias.dataSync() as Float32Array,
      W2: l2.kernel.dataSync() as Float32Array,
      b2: l2.bias.dataSync() as Float32Array,
      W3: decoder.output.kernel.dataSync() as Float32Array,
      b3: decoder.output.bias.dataSync() as Float32Array,
    };
  };

  return {
    name: 'native',
    kernel,
    work,
    // Enough images per call to keep both threads busy; small enough that TF.js' encoder
    // activations (and the wasm heap, which never shrinks) stay a few tens of MB.
    preferredChunk: 200,
    supports: (decoder) => decoder.hidden.length === 2,

    decode(decoder, content, affine, grid) {
      const out = run(args(decoder, content, affine, grid));
      return tf.tensor2d(out.image, [content.shape[0], grid.shape[0]]);
    },

    imageLoss(decoder, content, affine, grid, target, kind, withGradient) {
      const bce = kind === 'bce' ? 1 : 0;
      if (!withGradient) {
        const r = run({ ...args(decoder, content, affine, grid), target: target.dataSync() as Float32Array, bce });
        return { loss: tf.scalar(kind === 'bce' ? r.bce : r.sse), sse: tf.scalar(r.sse) };
      }
      let sse = 0;
      const [l1, l2] = decoder.hidden;
      const out = decoder.output;
      const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [c, w, t] = inputs as tf.Tensor2D[];
        const r = run({ ...args(decoder, c, w, grid), grad: 1, target: t.dataSync() as Float32Array, bce });
        sse = r.sse;
        return {
          value: tf.scalar(kind === 'bce' ? r.bce : r.sse),
          gradFunc: (dy: tf.Tensor) => {
            const g = dy.dataSync()[0];
            const scaled = (v: Float32Array, shape: number[]) => tf.mul(tf.tensor(v, shape), g);
            return [
              scaled(r.dcontent!, c.shape),
              scaled(r.daffine!, w.shape),
              tf.zerosLike(t), // the target is data, not a parameter
              scaled(r.dW1!, l1.kernel.shape),
              scaled(r.db1!, l1.bias.shape),
              scaled(r.dW2!, l2.kernel.shape),
              scaled(r.db2!, l2.bias.shape),
              scaled(r.dW3!, out.kernel.shape),
              scaled(r.db3!, out.bias.shape),
            ];
          },
        };
      });
      const loss = op(content, affine, target, l1.kernel, l1.bias, l2.kernel, l2.bias, out.kernel, out.bias) as tf.Scalar;
      return { loss, sse: tf.scalar(sse) };
    },
  };
}
