import { type Mat2, compose } from '../model/transform.ts';
import type { Rng } from '../model/rng.ts';

/**
 * Known transforms applied to images, for measuring normalization. Coordinates as in
 * `model/transform.ts`: `(x, y)` in grid units (−1..1), `y` down, about the image centre; `T`
 * maps the source image's points to where they land in the result.
 */

/**
 * Applies `T` (and a translation `t`) to `n` images `h × w`: the result at `g` is the source at
 * `T⁻¹(g − t)`, bilinearly interpolated, black outside.
 */
export function transformImages(images: Float32Array, n: number, h: number, w: number, T: Mat2[], t?: [number, number][]): Float32Array {
  const out = new Float32Array(images.length);
  const p = h * w;
  for (let k = 0; k < n; k++) {
    const [a, b, c, d] = T[k];
    const det = a * d - b * c;
    const inv = [d / det, -b / det, -c / det, a / det];
    const [tx, ty] = t?.[k] ?? [0, 0];
    const src = images.subarray(k * p, (k + 1) * p);
    for (let iy = 0; iy < h; iy++) {
      const y = h === 1 ? 0 : (2 * iy) / (h - 1) - 1 - ty;
      for (let ix = 0; ix < w; ix++) {
        const x = w === 1 ? 0 : (2 * ix) / (w - 1) - 1 - tx;
        const sx = ((inv[0] * x + inv[1] * y + 1) * (w - 1)) / 2;
        const sy = ((inv[2] * x + inv[3] * y + 1) * (h - 1)) / 2;
        out[k * p + iy * w + ix] = bilinear(src, h, w, sx, sy);
      }
    }
  }
  return out;
}

/** The image at fractional pixel `(x, y)`, 0 outside. */
export function bilinear(img: Float32Array, h: number, w: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => (xx >= 0 && xx < w && yy >= 0 && yy < h ? img[yy * w + xx] : 0);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

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
