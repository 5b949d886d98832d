import * as tf from '@tensorflow/tfjs-core';
import { Dense, makeStack } from './dense.ts';
import { warpGrid } from './warp.ts';
import type { Rng } from './rng.ts';

/**
 * The per-pixel decoder: every pixel is the MLP applied to `[coords(2), content(Zc)]`.
 *
 * The original tiles the content over all pixels and concatenates; we split the first kernel
 * instead, `[uv, c] @ W1 = uv @ W1[:2] + c @ W1[2:]`, so the content product is done once per
 * image rather than once per pixel. Same function, same weights, far less work.
 */
export class CoordinateDecoder {
  readonly hidden: Dense[];
  readonly output: Dense;

  /** Outputs per point: the image's channels. */
  readonly channels: number;

  constructor(contentDims: number, widths: number[], rng: Rng, channels = 1) {
    // Inputs: the warped (y, x) and the content latents.
    this.hidden = makeStack('decoder', 2 + contentDims, widths, rng);
    this.output = new Dense(`decoder/dense${widths.length + 1}`, widths.at(-1) ?? 2 + contentDims, channels, rng);
    this.channels = channels;
  }

  /**
   * Decodes images.
   * @param content `B × Zc` content latents.
   * @param coords `B × P × 2` (warped) grid coordinates.
   * @returns `B × P·C` intensities in (0, 1), each point's C channels adjacent (`B × P` in grey).
   */
  decodeAt(content: tf.Tensor2D, coords: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, p] = [coords.shape[0], coords.shape[1]];
      const first = this.hidden[0];
      const h0 = first.units;
      const kernelUv = tf.slice(first.kernel, [0, 0], [2, h0]);
      const kernelContent = tf.slice(first.kernel, [2, 0], [first.inputs - 2, h0]);
      const perImage = tf.add(tf.matMul(content, kernelContent), first.bias); // B × H
      const perPixel = tf.matMul(tf.reshape(coords, [b * p, 2]), kernelUv); // B·P × H
      let h = tf.relu(tf.add(tf.reshape(perPixel, [b, p, h0]), tf.expandDims(perImage, 1)));
      let x = tf.reshape(h, [b * p, h0]) as tf.Tensor2D;
      for (const layer of this.hidden.slice(1)) x = tf.relu(layer.apply(x));
      return tf.reshape(tf.sigmoid(this.output.apply(x)), [b, p * this.channels]);
    });
  }

  /**
   * Decodes on a grid, warped by per-image affine maps or, with `affine` null, unwarped.
   * @param grid `P × 2` grid of `(y, x)` points (any resolution).
   * @param affine `B × 6` maps from `warpAffine`, or null for the identity (normalization).
   */
  decode(content: tf.Tensor2D, affine: tf.Tensor2D | null, grid: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const coords = affine
        ? warpGrid(grid, affine)
        : tf.tile(tf.expandDims(grid, 0), [content.shape[0], 1, 1]) as tf.Tensor3D;
      return this.decodeAt(content, coords);
    });
  }
}
