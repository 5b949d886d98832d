import * as tf from '@tensorflow/tfjs-core';
import type { CoordinateDecoder } from './decoder.ts';

/**
 * Who runs the per-pixel decoder, 99.7% of the model's work. The model's math is defined once,
 * in TF.js ({@link tfjsEngine}); an engine may run the same function faster (the native addon
 * in Node) and must give the same numbers.
 */
export interface DecoderEngine {
  readonly name: string;
  /**
   * Images per training chunk that suit this engine, when it keeps its own activations small
   * (undefined: size chunks by the TF.js decoder's `B·P × H` activations).
   */
  readonly preferredChunk?: number;
  /** Whether this engine can run a decoder of this shape. */
  supports(decoder: CoordinateDecoder): boolean;
  /**
   * Decoded images, `B × P`, on `grid` (`P × 2`, any resolution).
   * @param affine `B × 6` per-image maps (see `warpAffine`), or null to decode unwarped.
   */
  decode(decoder: CoordinateDecoder, content: tf.Tensor2D, affine: tf.Tensor2D | null, grid: tf.Tensor2D): tf.Tensor2D;
  /**
   * The sum of squared errors `Σ (decode(content, affine) − target)²` over the batch, as a
   * scalar that is differentiable with respect to content, affine and the decoder's weights
   * when `withGradient` is set.
   */
  squaredError(decoder: CoordinateDecoder, content: tf.Tensor2D, affine: tf.Tensor2D, grid: tf.Tensor2D, target: tf.Tensor2D, withGradient: boolean): tf.Scalar;
}

/** The reference engine: plain TF.js ops, autograd for the gradients. */
export const tfjsEngine: DecoderEngine = {
  name: 'tfjs',
  supports: () => true,
  decode: (decoder, content, affine, grid) => decoder.decode(content, affine, grid),
  squaredError: (decoder, content, affine, grid, target) =>
    tf.tidy(() => tf.sum(tf.squaredDifference(decoder.decode(content, affine, grid), target))),
};

let current: DecoderEngine = tfjsEngine;

/** Makes `engine` the one every model uses (where it supports the model; else TF.js). */
export function setDecoderEngine(engine: DecoderEngine): void {
  current = engine;
}

/** The engine in use for this decoder. */
export function engineFor(decoder: CoordinateDecoder): DecoderEngine {
  return current.supports(decoder) ? current : tfjsEngine;
}

/** The name of the engine set with {@link setDecoderEngine}. */
export function decoderEngineName(): string {
  return current.name;
}
