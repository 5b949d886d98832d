import * as tf from '@tensorflow/tfjs-core';
import type { WarpFamily } from './family.ts';

/**
 * No warp: no warp latents, and the decoder always reads the identity map. A model with it is a
 * plain VAE with a coordinate decoder, the baseline that shows what the warp adds.
 */
export const noWarp: WarpFamily = {
  name: 'none',
  latents: [],
  angle: null,
  toAffine: (warp: tf.Tensor2D) => tf.tidy(() => tf.tile(tf.tensor2d([[1, 0, 0, 1, 0, 0]]), [warp.shape[0], 1]) as tf.Tensor2D),
};
