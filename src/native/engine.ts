import * as tf from '@tensorflow/tfjs-core';
import type { CoordinateDecoder } from '../model/decoder.ts';
import type { DecoderEngine } from '../model/engine.ts';
import type { NativeAddon } from './addon.ts';
import { type NativeKernel, type NativeRunArgs, decoderWeights, marshal, nativeUnsupported } from './contract.ts';

/** The native engine, with a running count of the work its products did. */
export interface NativeEngine extends DecoderEngine {
  /** The compiled variant that runs (see {@link NativeKernel}). */
  readonly kernel: NativeKernel;
  /** Multiply-adds executed by the H1 × H2 products so far, and what dense products would have taken. */
  readonly work: { macs: number; denseMacs: number };
}

/**
 * The decoder on the native addon: one fused op per call, threads over images, the products on
 * native/gemm.c (which skips relu zeros). Forward for decoding; for training, the reconstruction
 * error (squared error or cross-entropy) and all its gradients in the same pass (a
 * `tf.customGrad` op), so the `B·P × H` activations are never stored or recomputed. It runs the
 * decoders `nativeUnsupported` accepts (two hidden layers); a model with another decoder falls
 * back to TF.js and says why.
 * @param kernel the compiled variant to run (default: the best this CPU runs).
 */
export function nativeEngine(addon: NativeAddon, threads: number, kernel: NativeKernel = addon.kernels()[0]): NativeEngine {
  const work = { macs: 0, denseMacs: 0 };
  const run = (a: NativeRunArgs) => {
    const r = addon.run(a);
    work.macs += r.macs;
    work.denseMacs += r.denseMacs;
    return r;
  };
  // A model's grid is a constant tensor: read it once.
  const gridCache = new WeakMap<tf.Tensor, Float32Array>();
  const gridValues = (grid: tf.Tensor2D) => {
    let v = gridCache.get(grid);
    if (!v) gridCache.set(grid, (v = grid.dataSync() as Float32Array));
    return v;
  };
  const args = (decoder: CoordinateDecoder, content: tf.Tensor2D, affine: tf.Tensor2D | null, grid: tf.Tensor2D, extra: { target?: tf.Tensor2D; grad?: 0 | 1; bce?: 0 | 1 } = {}) =>
    marshal(
      decoder,
      {
        content: content.dataSync() as Float32Array,
        affine: affine ? (affine.dataSync() as Float32Array) : null,
        grid: gridValues(grid),
        target: extra.target ? (extra.target.dataSync() as Float32Array) : null,
      },
      { threads, kernel, grad: extra.grad ?? 0, bce: extra.bce ?? 0 },
    );

  return {
    name: 'native',
    kernel,
    work,
    // Enough images per call to keep both threads busy; small enough that TF.js' encoder
    // activations (and the wasm heap, which never shrinks) stay a few tens of MB.
    preferredChunk: 200,
    unsupported: nativeUnsupported,

    decode(decoder, content, affine, grid) {
      const out = run(args(decoder, content, affine, grid));
      return tf.tensor2d(out.image, [content.shape[0], grid.shape[0] * decoder.channels]);
    },

    imageLoss(decoder, content, affine, grid, target, kind, withGradient) {
      const bce = kind === 'bce' ? 1 : 0;
      if (!withGradient) {
        const r = run(args(decoder, content, affine, grid, { target, bce }));
        return { loss: tf.scalar(kind === 'bce' ? r.bce : r.sse), sse: tf.scalar(r.sse) };
      }
      let sse = 0;
      const weights = decoderWeights(decoder);
      const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [c, w, t] = inputs as tf.Tensor2D[];
        const r = run(args(decoder, c, w, grid, { target: t, grad: 1, bce }));
        sse = r.sse;
        return {
          value: tf.scalar(kind === 'bce' ? r.bce : r.sse),
          gradFunc: (dy: tf.Tensor) => {
            const g = dy.dataSync()[0];
            const scaled = (v: Float32Array | undefined, shape: number[]) => tf.mul(tf.tensor(v!, shape), g);
            return [
              scaled(r.dcontent, c.shape),
              scaled(r.daffine, w.shape),
              tf.zerosLike(t), // the target is data, not a parameter
              // The gradient of each weight is `d` + its contract name.
              ...weights.map(({ name, tensor }) => scaled(r[`d${name}`], tensor.shape)),
            ];
          },
        };
      });
      const loss = op(content, affine, target, ...weights.map((w) => w.tensor)) as tf.Scalar;
      return { loss, sse: tf.scalar(sse) };
    },
  };
}
