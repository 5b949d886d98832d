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
   * Decoded images, `B × P`.
   * @param warp `B × 6` warp latents, or null to decode unwarped.
   */
  decode(decoder: CoordinateDecoder, content: tf.Tensor2D, warp: tf.Tensor2D | null, grid: tf.Tensor2D, scale: number): tf.Tensor2D;
  /**
   * The sum of squared errors `Σ (decode(content, warp) − target)²` over the batch, as a scalar
   * that is differentiable with respect to content, warp and the decoder's weights when
   * `withGradient` is set.
   */
  squaredError(decoder: CoordinateDecoder, content: tf.Tensor2D, warp: tf.Tensor2D, grid: tf.Tensor2D, scale: number, target: tf.Tensor2D, withGradient: boolean): tf.Scalar;
}

/** The reference engine: plain TF.js ops, autograd for the gradients. */
export const tfjsEngine: DecoderEngine = {
  name: 'tfjs',
  supports: () => true,
  decode: (decoder, content, warp, grid, scale) => decoder.decode(content, warp, grid, scale),
  squaredError: (decoder, content, warp, grid, scale, target) =>
    tf.tidy(() => tf.sum(tf.squaredDifference(decoder.decode(content, warp, grid, scale), target))),
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
