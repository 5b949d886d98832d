import { toUnit } from './pixels.ts';

/**
 * In-memory image datasets. Pixels stay `Uint8Array` outside the TF.js engine; float batches are
 * made on demand, one batch at a time.
 */

/**
 * A set of images `n × height × width` (uint8, row-major; with `channels` > 1 each pixel's
 * channels are adjacent, `n × height × width × channels`) with optional class labels.
 */
export interface ImageSet {
  images: Uint8Array;
  /** Values per pixel: 1 (grey, the default when absent) or 2–4 (e.g. RGB). */
  channels?: number;
  labels?: Uint8Array;
  /**
   * The pose each image was given, where the set was made by posing upright images
   * (`mnist-pose:`): `n × 3`, rotation in degrees counter-clockwise, then the shift `(x, y)` in
   * pixels. Evaluation scores a model's pose read-out against it.
   */
  poses?: Float32Array;
  n: number;
  height: number;
  width: number;
}

/** A train/validation split, following Keras' `validation_split`: the last fraction, unshuffled. */
export interface Split {
  train: ImageSet;
  validation: ImageSet;
}

/** Pixels per image. */
export function pixelsOf(set: Pick<ImageSet, 'height' | 'width'>): number {
  return set.height * set.width;
}

/** Values per image: pixels times channels. */
export function valuesPerImage(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * (set.channels ?? 1);
}

/** The images `[start, end)` of a set, as views (no copy). */
export function slice(set: ImageSet, start: number, end: number): ImageSet {
  const p = valuesPerImage(set);
  end = Math.min(end, set.n);
  return {
    images: set.images.subarray(start * p, end * p),
    ...(set.channels !== undefined ? { channels: set.channels } : {}),
    labels: set.labels?.subarray(start, end),
    ...(set.poses ? { poses: set.poses.subarray(3 * start, 3 * end) } : {}),
    n: end - start,
    height: set.height,
    width: set.width,
  };
}

/** Keras' split: `split_at = floor(n * (1 - fraction))`; validation is `[split_at, n)`. */
export function validationSplit(set: ImageSet, fraction: number): Split {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`validation fraction must be in [0, 1), got ${fraction}`);
  const splitAt = Math.floor(set.n * (1 - fraction));
  return { train: slice(set, 0, splitAt), validation: slice(set, splitAt, set.n) };
}

/** Copies the images at `indices` into a float batch in [0, 1] (`indices.length × values`). */
export function gatherPixels(set: ImageSet, indices: ArrayLike<number>): Float32Array {
  const p = valuesPerImage(set);
  const out = new Float32Array(indices.length * p);
  for (let b = 0; b < indices.length; b++) toUnit(set.images.subarray(indices[b] * p, (indices[b] + 1) * p), out, b * p);
  return out;
}

/** The labels at `indices` (zeros when the set has none). */
export function gatherLabels(set: ImageSet, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  if (set.labels) for (let b = 0; b < indices.length; b++) out[b] = set.labels[indices[b]];
  return out;
}

/** `[start, start + 1, …, end - 1]`. */
export function range(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}
