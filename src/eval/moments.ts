import { borderMean, transformImages } from '../model/transform-images.ts';
import { axisAngle, inkMoments } from '../model/orientation.ts';
import type { Mat2 } from '../model/transform.ts';
import { luminance } from '../data/resize.ts';

/**
 * Classical moment normalization, the baseline to beat: move the centre of mass to the centre,
 * then undo the slant measured by the second moments (MNIST's classic deskew: shear x by
 * `−cov(x, y) / var(y)`), optionally also rotating the principal axis upright.
 */

/** Centre of mass and second central moments of one image, in grid units (x, y down). */
export function imageMoments(img: Float32Array, h: number, w: number): { cx: number; cy: number; vxx: number; vyy: number; vxy: number } {
  const { cx, cy, vxx, vyy, vxy } = inkMoments(img, h, w);
  return { cx, cy, vxx, vyy, vxy };
}

/** The angle of the principal axis from vertical, degrees counter-clockwise on screen. */
export function principalAngle(img: Float32Array, h: number, w: number): number {
  return axisAngle(inkMoments(img, h, w));
}

/**
 * The mass the moments of a colour image are taken of: its luminance's distance from the
 * background's (the mean luminance of its border pixels), so that ink lighter or darker than a
 * coloured background weighs alike. Luminance is Rec. 601 over the first three channels (the mean
 * of the channels for 2).
 * @param img `h × w × channels` values.
 */
export function luminanceMass(img: Float32Array, h: number, w: number, channels: number): Float32Array {
  const C = channels;
  const lum = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) {
    const v = img.subarray(i * C, i * C + C);
    lum[i] = C >= 3 ? luminance(v[0], v[1], v[2]) : (v[0] + v[1]) / 2;
  }
  const background = borderMean(lum, h, w, 1)[0];
  return lum.map((l) => Math.abs(l - background));
}

/**
 * Moment-normalizes `n` images: centre, deskew and, with `rotate`, turn the principal axis
 * upright. Colour images (`channels` > 1) are measured on their luminance (see
 * {@link luminanceMass}) and every channel moved alike.
 */
export function momentNormalize(images: Float32Array, n: number, h: number, w: number, rotate = false, channels = 1): Float32Array {
  const p = h * w * channels;
  const T: Mat2[] = [];
  const t: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const own = images.subarray(k * p, (k + 1) * p);
    const img = channels === 1 ? own : luminanceMass(own, h, w, channels);
    const { cx, cy, vyy, vxy } = imageMoments(img, h, w);
    let M: Mat2;
    if (rotate) {
      const a = (principalAngle(img, h, w) * Math.PI) / 180; // rotate back by −a (ccw on screen)
      M = [Math.cos(a), -Math.sin(a), Math.sin(a), Math.cos(a)]; // compose(−a): turns it back
    } else {
      const s = vyy > 1e-12 ? vxy / vyy : 0;
      M = [1, -s, 0, 1]; // x ← x − s·y
    }
    T.push(M);
    // The centre of mass goes to the origin: result = M·(g − c) = M·g − M·c.
    t.push([-(M[0] * cx + M[1] * cy), -(M[2] * cx + M[3] * cy)]);
  }
  return transformImages(images, n, h, w, T, t, channels);
}
