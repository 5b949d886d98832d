import * as tf from '@tensorflow/tfjs-core';
import { warpFamily } from './warps/registry.ts';

/**
 * The coordinate grid and the warps.
 *
 * The grid holds `(y, x)` per pixel, row-major, both from `linspace(-1, 1, n)`. Every warp is
 * reduced to the same per-image affine map in the original's row-vector `(y, x)` form,
 *
 *   [y', x'] = [y, x] @ [[a0, a1], [a2, a3]] + [a4, a5]        (affine: B × 6)
 *
 * which is what the decoder (TF.js or native) consumes. How the warp latents `p` become those six
 * numbers is the warp family's business (`model/warps/`, one file per family); autograd carries
 * the gradient back to `p`.
 */

/** The `(y, x)` grid of an `height × width` image: a `(height·width) × 2` float array. */
export function gridValues(height: number, width: number): Float32Array {
  const ys = linspace(-1, 1, height);
  const xs = linspace(-1, 1, width);
  const grid = new Float32Array(height * width * 2);
  for (let iy = 0; iy < height; iy++) {
    for (let ix = 0; ix < width; ix++) {
      grid[2 * (iy * width + ix)] = ys[iy];
      grid[2 * (iy * width + ix) + 1] = xs[ix];
    }
  }
  return grid;
}

/** NumPy's `linspace`, in double precision like the original's grid. */
export function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  out[n - 1] = stop;
  return out;
}

/**
 * The per-image affine map of a warp family (see `model/warps/`).
 * @param warp `B × d` warp latents, `d` the family's latent count.
 * @param scale the `s` of `seed` and `affine` (the original's 0.1).
 * @returns `B × 6`: `[a0, a1, a2, a3, a4, a5]` as in the module comment.
 */
export function warpAffine(family: string, warp: tf.Tensor2D, scale: number): tf.Tensor2D {
  return warpFamily(family).toAffine(warp, scale);
}

/** The seed warp's linear map `A = I + s·[[p0, p1], [p3, p4]]` per image, `B × 2 × 2`. */
export function seedWarpMatrix(warp: tf.Tensor2D, scale: number): tf.Tensor3D {
  return tf.tidy(() => tf.reshape(tf.slice(warpAffine('seed', warp, scale), [0, 0], [warp.shape[0], 4]), [warp.shape[0], 2, 2]) as tf.Tensor3D);
}

/**
 * Warps the grid: `coords[b, i] = grid[i] @ A[b] + t[b]`.
 * @param grid `P × 2` grid points `(y, x)`.
 * @param affine `B × 6` maps from {@link warpAffine}.
 * @returns `B × P × 2` warped coordinates.
 */
export function warpGrid(grid: tf.Tensor2D, affine: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, p] = [affine.shape[0], grid.shape[0]];
    const y = tf.reshape(tf.slice(grid, [0, 0], [p, 1]), [1, p, 1]);
    const x = tf.reshape(tf.slice(grid, [0, 1], [p, 1]), [1, p, 1]);
    const row0 = tf.reshape(tf.slice(affine, [0, 0], [b, 2]), [b, 1, 2]); // what y multiplies
    const row1 = tf.reshape(tf.slice(affine, [0, 2], [b, 2]), [b, 1, 2]); // what x multiplies
    const shift = tf.reshape(tf.slice(affine, [0, 4], [b, 2]), [b, 1, 2]);
    return tf.add(tf.add(tf.mul(y, row0), tf.mul(x, row1)), shift) as tf.Tensor3D;
  });
}

/**
 * The value indices of pixels `points` in images whose `channels` values per pixel are adjacent:
 * each point's channels in turn (the points themselves when grey).
 */
export function channelIndices(points: Int32Array, channels: number): Int32Array {
  if (channels === 1) return points;
  const out = new Int32Array(points.length * channels);
  for (let i = 0; i < points.length; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = points[i] * channels + c;
  return out;
}
