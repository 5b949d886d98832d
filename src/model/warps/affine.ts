import type { WarpFamily } from './family.ts';
import { linearAffine } from './linear.ts';

const latent = (name: string) => ({ name, prior: 'unit', slider: { min: -4, max: 4 } }) as const;

/**
 * A general affine warp in the column-vector convention on `(x, y)`: `(x', y')ᵀ = M·(x, y)ᵀ + t`,
 * `M = I + s·[[p0, p1], [p2, p3]]`, `t = s·(p4, p5)`: the seed warp with a translation that works.
 */
export const affineWarp: WarpFamily = {
  name: 'affine',
  latents: [latent('p0 (x scale)'), latent('p1 (x shear)'), latent('p2 (y shear)'), latent('p3 (y scale)'), latent('p4 (x shift)'), latent('p5 (y shift)')],
  angle: null,
  // The (y, x) form of M: a0 = M11, a1 = M01, a2 = M10, a3 = M00; (a4, a5) = (ty, tx) = s·(p5, p4).
  toAffine: linearAffine([[3, 0], [1, 1], [2, 2], [0, 3], [5, 4], [4, 5]], 6),
};
