import type { WarpFamily } from './family.ts';
import { linearAffine } from './linear.ts';

const scaleShear = { prior: 'unit', slider: { min: -4, max: 4 } } as const;

/**
 * The original's warp: `[y, x, 1] @ (s·P3 + I)`, `P3 = reshape(p, 2×3)` plus a zero row.
 * Written out, `A = I + s·[[p0, p1], [p3, p4]]` and no translation: `p2`, `p5` land in the
 * discarded third column and are inert (SEED.md, point 1).
 */
export const seedWarp: WarpFamily = {
  name: 'seed',
  latents: [
    { name: 'p0 (y scale)', ...scaleShear },
    { name: 'p1 (y→x shear)', ...scaleShear },
    { name: null, prior: 'unit', slider: null },
    { name: 'p3 (x→y shear)', ...scaleShear },
    { name: 'p4 (x scale)', ...scaleShear },
    { name: null, prior: 'unit', slider: null },
  ],
  angle: null,
  // a0 = 1 + s·p0, a1 = s·p1, a2 = s·p3, a3 = 1 + s·p4.
  toAffine: linearAffine([[0, 0], [1, 1], [3, 2], [4, 3]], 6),
};
