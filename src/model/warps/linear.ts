import * as tf from '@tensorflow/tfjs-core';

/**
 * A warp linear in its latents, `affine = p @ L + [1, 0, 0, 1, 0, 0]`, where `links` lists the
 * `[i, j]` with `L[i][j] = s` (how latent `p_i` moves `a_j`); every other entry is 0.
 */
export function linearAffine(links: readonly (readonly [number, number])[], dims: number) {
  return (warp: tf.Tensor2D, scale: number): tf.Tensor2D =>
    tf.tidy(() => {
      const L = Array.from({ length: dims }, () => new Array<number>(6).fill(0));
      for (const [i, j] of links) L[i][j] = scale;
      return tf.add(tf.matMul(warp, tf.tensor2d(L)), tf.tensor1d([1, 0, 0, 1, 0, 0]));
    });
}
