import { type Mat2, compose } from '../model/transform.ts';
import type { Rng } from '../model/rng.ts';

/** Random known transforms, for measuring normalization (applied by `data/transform-images.ts`). */

/** Ranges of random transforms: each parameter uniform in `[−r, r]` (scale in `[1 − r, 1 + r]`). */
export interface TransformRanges {
  /** Degrees. */
  rotation: number;
  shear: number;
  scale: number;
}

/** MNIST's natural range of slant and rotation. */
export const NATURAL_RANGES: TransformRanges = { rotation: 20, shear: 0.2, scale: 0 };
/** Rotations well beyond what MNIST holds. */
export const HARD_RANGES: TransformRanges = { rotation: 45, shear: 0, scale: 0 };

/** One random transform and its parameters. */
export interface SampledTransform {
  rotation: number;
  shear: number;
  scale: number;
  matrix: Mat2;
}

/** `n` transforms drawn uniformly from the ranges. */
export function sampleTransforms(n: number, ranges: TransformRanges, rng: Rng): SampledTransform[] {
  const u = (r: number) => (2 * rng.uniform() - 1) * r;
  return Array.from({ length: n }, () => {
    const rotation = u(ranges.rotation);
    const shear = u(ranges.shear);
    const scale = 1 + u(ranges.scale);
    return { rotation, shear, scale, matrix: compose(rotation, scale, scale, shear) };
  });
}
