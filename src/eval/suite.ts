import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../data/dataset.ts';
import { decompose, invert, multiply, wrapDegrees } from '../model/transform.ts';
import { Rng } from '../model/rng.ts';
import type { AffineVAE } from '../model/vae.ts';
import { valuesOf } from '../tensors/read.ts';
import { momentNormalize } from './moments.ts';
import { transformImages } from '../model/transform-images.ts';
import { type TransformRanges, sampleTransforms } from './transforms.ts';
import { toUnit } from '../data/pixels.ts';

/** Anything that maps `n × P·C` images in [0, 1] to normalized `n × P·C` images. */
export type Normalizer = (images: Float32Array, n: number) => Float32Array;

/** The normalizers every report compares (on colour images, moments of the luminance). */
export function baselines(h: number, w: number, channels = 1): Record<string, Normalizer> {
  return {
    identity: (x) => x,
    'moment deskew': (x, n) => momentNormalize(x, n, h, w, false, channels),
    'moment rotate': (x, n) => momentNormalize(x, n, h, w, true, channels),
  };
}

/**
 * The model's normalizers: `decoded` draws the posterior mean with the warp off
 * ({@link AffineVAE.normalize}), reading the latent after `passes − 1` straightening passes
 * (1: the original's way); `resampled` moves the input's own pixels by the inverse of the pose
 * read in `passes` passes ({@link AffineVAE.unwarp}).
 */
export function modelNormalizer(model: AffineVAE, mode: 'decoded' | 'resampled' = 'decoded', passes?: number): Normalizer {
  return mode === 'decoded' ? (x) => model.normalize(x, { passes }) : (x) => model.unwarp(x, { passes });
}

/** Applied transforms and the images before and after. */
export interface TransformedSet {
  original: Float32Array;
  transformed: Float32Array;
  applied: ReturnType<typeof sampleTransforms>;
  n: number;
}

/** Draws one known random transform per image (seeded) and applies it. */
export function transformSet(set: ImageSet, ranges: TransformRanges, seed: number): TransformedSet {
  const original = toUnit(set.images);
  const applied = sampleTransforms(set.n, ranges, new Rng(seed));
  const transformed = transformImages(original, set.n, set.height, set.width, applied.map((a) => a.matrix), undefined, set.channels ?? 1);
  return { original, transformed, applied, n: set.n };
}

/**
 * `mean ||f(Tx) − f(x)||² / mean ||Tx − x||²`: 0 when normalization undoes the transforms
 * entirely, 1 when it changes nothing.
 */
export function invariance(f: Normalizer, t: TransformedSet): number {
  return invarianceOf(f(t.original, t.n), f(t.transformed, t.n), t);
}

/** {@link invariance} from images already normalized: `f(x)` and `f(Tx)` for the set `t`. */
export function invarianceOf(normalizedOriginal: Float32Array, normalizedTransformed: Float32Array, t: TransformedSet): number {
  return sumSquaredDiff(normalizedOriginal, normalizedTransformed) / sumSquaredDiff(t.original, t.transformed);
}

function sumSquaredDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** How well the inferred pose of `Tx` relative to `x` recovers the applied transform. */
export interface PoseRecovery {
  /** Mean |inferred − applied| relative rotation, degrees (wrapped to ±180). */
  rotationErrorDeg: number;
  /** Circular correlation of inferred and applied rotation. */
  rotationCorrelation: number;
  shearError: number;
  shearCorrelation: number;
  scaleError: number;
  scaleCorrelation: number;
  /** The inferred relative rotations (for a histogram or scatter). */
  inferredRotation: number[];
}

/** Compares `T(Tx)·T(x)⁻¹`, read from the model, with the applied transforms. */
export function poseRecovery(model: AffineVAE, t: TransformedSet): PoseRecovery {
  const before = model.inferTransform(t.original);
  const after = model.inferTransform(t.transformed);
  const rel = after.map((a, i) => decompose(multiply(a.matrix, invert(before[i].matrix))));
  const rot = rel.map((r) => r.rotation);
  const applied = t.applied;
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
  return {
    rotationErrorDeg: mean(rot.map((r, i) => Math.abs(wrapDegrees(r - applied[i].rotation)))),
    rotationCorrelation: circularCorrelation(rot, applied.map((a) => a.rotation)),
    shearError: mean(rel.map((r, i) => Math.abs(r.shear - applied[i].shear))),
    shearCorrelation: pearson(rel.map((r) => r.shear), applied.map((a) => a.shear)),
    scaleError: mean(rel.map((r, i) => Math.abs(Math.sqrt(Math.abs(r.scaleX * r.scaleY)) - applied[i].scale))),
    scaleCorrelation: pearson(rel.map((r) => Math.sqrt(Math.abs(r.scaleX * r.scaleY))), applied.map((a) => a.scale)),
    inferredRotation: rot,
  };
}

/** Jammalamadaka's circular correlation of two sets of angles in degrees (NaN when undefined). */
export function circularCorrelation(a: number[], b: number[]): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const circMean = (xs: number[]) => Math.atan2(xs.reduce((s, x) => s + Math.sin(rad(x)), 0), xs.reduce((s, x) => s + Math.cos(rad(x)), 0));
  const ma = circMean(a);
  const mb = circMean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    const sa = Math.sin(rad(a[i]) - ma);
    const sb = Math.sin(rad(b[i]) - mb);
    num += sa * sb;
    da += sa * sa;
    db += sb * sb;
  }
  return num / Math.sqrt(da * db);
}

/** Pearson correlation (NaN when either side is constant). */
export function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** 1-nearest-neighbour accuracy (Euclidean) of labelled queries against labelled references, `pixels` values each. */
export function nearestNeighbourAccuracy(queries: Float32Array, queryLabels: ArrayLike<number>, refs: Float32Array, refLabels: ArrayLike<number>, pixels: number): number {
  const nq = queries.length / pixels;
  const nr = refs.length / pixels;
  let correct = 0;
  const chunk = 500;
  const refT = tf.tensor2d(refs, [nr, pixels]);
  const refNorm = tf.sum(tf.square(refT), 1);
  for (let s = 0; s < nq; s += chunk) {
    const e = Math.min(nq, s + chunk);
    const nearest = valuesOf(() => {
      const q = tf.tensor2d(queries.subarray(s * pixels, e * pixels), [e - s, pixels]);
      // ||q − r||² = |q|² + |r|² − 2 q·r; |q|² does not change the argmin.
      const d = tf.sub(tf.expandDims(refNorm, 0), tf.mul(tf.matMul(q, tf.transpose(refT)), 2));
      return tf.argMin(d, 1);
    });
    for (let i = 0; i < nearest.length; i++) if (refLabels[nearest[i]] === queryLabels[s + i]) correct++;
  }
  tf.dispose([refT, refNorm]);
  return correct / nq;
}
