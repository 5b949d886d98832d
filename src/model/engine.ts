import * as tf from '@tensorflow/tfjs-core';
import type { CoordinateDecoder } from './decoder.ts';

/**
 * Who runs the per-pixel decoder, 99.7% of the model's work. The model's math is defined once,
 * in TF.js ({@link tfjsEngine}); an engine may run the same function faster (the native addon
 * in Node) and must give the same numbers. A model is given its engine when it is built
 * (`new AffineVAE(config, { engine })`); nothing here is global.
 */
export interface DecoderEngine {
  readonly name: string;
  /**
   * Images per training chunk that suit this engine, when it keeps its own activations small
   * (undefined: size chunks by the TF.js decoder's `B·P × H` activations).
   */
  readonly preferredChunk?: number;
  /** Why this engine cannot run a decoder of this shape, or null when it can. */
  unsupported(decoder: CoordinateDecoder): string | null;
  /**
   * Decoded images, `B × P`, on `grid` (`P × 2`, any resolution).
   * @param affine `B × 6` per-image maps (see `warpAffine`), or null to decode unwarped.
   */
  decode(decoder: CoordinateDecoder, content: tf.Tensor2D, affine: tf.Tensor2D | null, grid: tf.Tensor2D): tf.Tensor2D;
  /**
   * The reconstruction error of `decode(content, affine)` against `target`, summed over the
   * batch: `loss` is the squared error `Σ (y − t)²` (kind `sse`) or the binary cross-entropy
   * `Σ −(t log y + (1 − t) log(1 − y))` (kind `bce`, y clipped to [1e-7, 1 − 1e-7]),
   * differentiable with respect to content, affine and the decoder's weights when
   * `withGradient` is set; `sse` is the squared error in either case, for metrics.
   */
  imageLoss(
    decoder: CoordinateDecoder,
    content: tf.Tensor2D,
    affine: tf.Tensor2D,
    grid: tf.Tensor2D,
    target: tf.Tensor2D,
    kind: ImageLossKind,
    withGradient: boolean,
  ): { loss: tf.Scalar; sse: tf.Scalar };
}

/** Which reconstruction error {@link DecoderEngine.imageLoss} differentiates. */
export type ImageLossKind = 'sse' | 'bce';

/** Σ BCE(t, y) with y clipped, in TF.js. */
export function binaryCrossEntropySum(image: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.clipByValue(image, 1e-7, 1 - 1e-7);
    return tf.neg(tf.sum(tf.add(tf.mul(target, tf.log(y)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, y)))))) as tf.Scalar;
  });
}

/** The reference engine: plain TF.js ops, autograd for the gradients. */
export const tfjsEngine: DecoderEngine = {
  name: 'tfjs',
  unsupported: () => null,
  decode: (decoder, content, affine, grid) => decoder.decode(content, affine, grid),
  imageLoss: (decoder, content, affine, grid, target, kind) => {
    const image = decoder.decode(content, affine, grid);
    const sse = tf.sum(tf.squaredDifference(image, target)) as tf.Scalar;
    return { loss: kind === 'bce' ? binaryCrossEntropySum(image, target) : sse, sse };
  },
};
