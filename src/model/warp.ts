import * as tf from '@tensorflow/tfjs-core';

/**
 * The coordinate grid and the warp.
 *
 * The grid holds `(y, x)` per pixel, row-major, both from `linspace(-1, 1, n)`. The seed warp
 * multiplies each homogeneous grid point as a row vector, `[y, x, 1] @ M` with
 * `M = s·P3 + I`, where `P3` is `reshape(p, 2×3)` with a zero row appended. Written out:
 *
 *   y' = y·(1 + s·p0) + x·s·p3
 *   x' = y·s·p1       + x·(1 + s·p4)
 *
 * so the warp is the 2×2 linear map `A = I + s·[[p0, p1], [p3, p4]]` acting as `[y, x] @ A`,
 * and `p2`, `p5` land in the discarded third column: they are inert (SEED.md, point 1).
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
 * The seed warp's linear map per image: `A = I + s·[[p0, p1], [p3, p4]]`, `B × 2 × 2`.
 * @param warp the warp latents `p`, `B × 6`.
 */
export function seedWarpMatrix(warp: tf.Tensor2D, scale: number): tf.Tensor3D {
  return tf.tidy(() => {
    const b = warp.shape[0];
    const p = tf.reshape(warp, [b, 2, 3]);
    const linear = tf.slice(p, [0, 0, 0], [b, 2, 2]); // drops p2, p5: the translation column
    return tf.add(tf.mul(linear, scale), tf.expandDims(tf.eye(2), 0)) as tf.Tensor3D;
  });
}

/**
 * Warps the grid: `coords[b, i] = grid[i] @ A[b]`.
 * @param grid `P × 2` grid points `(y, x)`.
 * @param warp `B × 6` warp latents.
 * @returns `B × P × 2` warped coordinates.
 */
export function warpGrid(grid: tf.Tensor2D, warp: tf.Tensor2D, scale: number): tf.Tensor3D {
  return tf.tidy(() => {
    const A = seedWarpMatrix(warp, scale); // B × 2 × 2
    const [b, p] = [warp.shape[0], grid.shape[0]];
    const y = tf.reshape(tf.slice(grid, [0, 0], [p, 1]), [1, p, 1]);
    const x = tf.reshape(tf.slice(grid, [0, 1], [p, 1]), [1, p, 1]);
    const row0 = tf.slice(A, [0, 0, 0], [b, 1, 2]); // B × 1 × 2: what y multiplies
    const row1 = tf.slice(A, [0, 1, 0], [b, 1, 2]); // B × 1 × 2: what x multiplies
    return tf.add(tf.mul(y, row0), tf.mul(x, row1)) as tf.Tensor3D;
  });
}
