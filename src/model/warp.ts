import * as tf from '@tensorflow/tfjs-core';

/**
 * The coordinate grid and the warps.
 *
 * The grid holds `(y, x)` per pixel, row-major, both from `linspace(-1, 1, n)`. Every warp is
 * reduced to the same per-image affine map in the original's row-vector `(y, x)` form,
 *
 *   [y', x'] = [y, x] @ [[a0, a1], [a2, a3]] + [a4, a5]        (affine: B × 6)
 *
 * which is what the decoder (TF.js or native) consumes; how the warp latents `p` become those six
 * numbers is the preset's business, and autograd carries the gradient back to `p`.
 *
 * - `seed`: `[y, x, 1] @ (s·P3 + I)`, `P3 = reshape(p, 2×3)` plus a zero row, as the original.
 *   Written out, `A = I + s·[[p0, p1], [p3, p4]]` and no translation: `p2`, `p5` land in the
 *   discarded third column and are inert (SEED.md, point 1).
 * - `affine`: the column-vector convention on `(x, y)`: `(x', y')ᵀ = M·(x, y)ᵀ + t`,
 *   `M = I + s·[[p0, p1], [p2, p3]]`, `t = s·(p4, p5)`: a translation that works.
 * - `rotation`: `(x', y')ᵀ = R(θ)·(x, y)ᵀ`, `θ = p0` in radians, `R = [[cos, −sin], [sin, cos]]`.
 * - `rotation-translation`: `(x', y')ᵀ = R(θ)·(x, y)ᵀ + t`, `θ = p0`, `t = (p1, p2)` in grid units.
 */

/** The warp families. */
export type WarpKind = 'seed' | 'affine' | 'rotation' | 'rotation-translation';

/** Warp latents each family reads. */
export const WARP_DIMS: Record<WarpKind, number> = { seed: 6, affine: 6, rotation: 1, 'rotation-translation': 3 };

/**
 * What each warp latent of a family means, for labels and sliders; `null` for a latent the warp
 * ignores (the seed warp's `p2`, `p5`).
 */
export function warpLatentNames(kind: WarpKind): (string | null)[] {
  switch (kind) {
    case 'seed':
      return ['p0 (y scale)', 'p1 (y→x shear)', null, 'p3 (x→y shear)', 'p4 (x scale)', null];
    case 'affine':
      return ['p0 (x scale)', 'p1 (x shear)', 'p2 (y shear)', 'p3 (y scale)', 'p4 (x shift)', 'p5 (y shift)'];
    case 'rotation':
      return ['θ (radians)'];
    case 'rotation-translation':
      return ['θ (radians)', 'x shift', 'y shift'];
  }
}

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
 * A linear warp as `affine = p @ L + offset`: `L[i][j]` says how much `p_i` adds to `a_j`.
 * Built once per (kind, scale).
 */
function linearWarp(kind: 'seed' | 'affine', s: number): { L: number[][]; offset: number[] } {
  const L = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
  if (kind === 'seed') {
    // a0 = 1 + s·p0, a1 = s·p1, a2 = s·p3, a3 = 1 + s·p4; p2, p5 do nothing.
    [[0, 0], [1, 1], [3, 2], [4, 3]].forEach(([i, j]) => (L[i][j] = s));
  } else {
    // (y, x) form of M = I + s·[[p0, p1], [p2, p3]] on (x, y): a0 = M11, a1 = M01, a2 = M10, a3 = M00;
    // translation (ty, tx) = s·(p5, p4).
    [[3, 0], [1, 1], [2, 2], [0, 3], [5, 4], [4, 5]].forEach(([i, j]) => (L[i][j] = s));
  }
  return { L, offset: [1, 0, 0, 1, 0, 0] };
}

/**
 * The per-image affine map of a warp family.
 * @param warp `B × WARP_DIMS[kind]` warp latents.
 * @param scale the `s` of `seed` and `affine` (the original's 0.1).
 * @returns `B × 6`: `[a0, a1, a2, a3, a4, a5]` as in the module comment.
 */
export function warpAffine(kind: WarpKind, warp: tf.Tensor2D, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const b = warp.shape[0];
    if (kind === 'seed' || kind === 'affine') {
      const { L, offset } = linearWarp(kind, scale);
      return tf.add(tf.matMul(warp, tf.tensor2d(L)), tf.tensor1d(offset));
    }
    const theta = tf.slice(warp, [0, 0], [b, 1]);
    const [c, s] = [tf.cos(theta), tf.sin(theta)];
    // (y, x) form of R(θ) = [[c, −s], [s, c]] on (x, y): a0 = c, a1 = −s, a2 = s, a3 = c.
    const zeros = tf.zeros([b, 1]);
    const t = kind === 'rotation-translation' ? [tf.slice(warp, [0, 2], [b, 1]), tf.slice(warp, [0, 1], [b, 1])] : [zeros, zeros];
    return tf.concat([c, tf.neg(s), s, c, ...t], 1) as tf.Tensor2D;
  });
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
