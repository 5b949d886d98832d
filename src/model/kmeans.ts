import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.ts';
import { valuesOf } from '../tensors/read.ts';

/**
 * k-means (k-means++ seeding, Lloyd's iterations, the best of several restarts by inertia). The
 * evaluation clusters content with it (the anchors' protocol), and a mixture prior starts from it.
 */

/** A k-means result: each point's cluster, the centres, and the sum of squared distances to them. */
export interface KMeansResult {
  assignment: Int32Array;
  inertia: number;
  /** `k × d` centres (row-major). */
  centres: Float32Array;
}

/**
 * k-means on `n × d` points (row-major): the best of `restarts` runs by inertia, each seeded by
 * k-means++ from `rng` and iterated until no point moves (at most `maxIterations`).
 */
export function kMeans(points: Float32Array, d: number, k: number, rng: Rng, restarts = 10, maxIterations = 100): KMeansResult {
  return withPoints(points, d, k, (x, xNorm, n) => {
    let best: KMeansResult | null = null;
    for (let r = 0; r < restarts; r++) {
      const result = lloyd(points, x, xNorm, n, d, seedCentres(points, n, d, k, rng), k, maxIterations);
      if (best === null || result.inertia < best.inertia) best = result;
    }
    return best!;
  });
}

/**
 * Lloyd's iterations on `n × d` points from the given `k × d` starting centres (not changed), to
 * convergence (at most `maxIterations`): where k-means ends from a chosen start, such as the
 * classes' own means.
 */
export function kMeansFrom(points: Float32Array, d: number, start: Float32Array, maxIterations = 100): KMeansResult {
  const k = start.length / d;
  if (!Number.isInteger(k)) throw new Error(`k-means needs centres of ${d} values, got ${start.length} values`);
  return withPoints(points, d, k, (x, xNorm, n) => lloyd(points, x, xNorm, n, d, start.slice(), k, maxIterations));
}

/** Runs `f` on the points as a tensor and their squared norms (`n × 1`), after checking there are at least `k`. */
function withPoints<T>(points: Float32Array, d: number, k: number, f: (x: tf.Tensor2D, xNorm: tf.Tensor, n: number) => T): T {
  const n = points.length / d;
  if (!Number.isInteger(n) || n < k) throw new Error(`k-means needs at least ${k} points of ${d} values, got ${points.length} values`);
  const x = tf.tensor2d(points, [n, d]);
  const xNorm = tf.sum(tf.square(x), 1, true);
  try {
    return f(x, xNorm, n);
  } finally {
    tf.dispose([x, xNorm]);
  }
}

/** k-means++: each next centre drawn with probability proportional to its squared distance. */
function seedCentres(points: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const centres = new Float32Array(k * d);
  const first = rng.int(n);
  centres.set(points.subarray(first * d, (first + 1) * d), 0);
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j] - centres[(c - 1) * d + j]) ** 2;
      nearest[i] = Math.min(nearest[i], s);
      total += nearest[i];
    }
    let pick = rng.uniform() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      pick -= nearest[i];
      if (pick < 0) {
        chosen = i;
        break;
      }
    }
    centres.set(points.subarray(chosen * d, (chosen + 1) * d), c * d);
  }
  return centres;
}

function lloyd(points: Float32Array, x: tf.Tensor2D, xNorm: tf.Tensor, n: number, d: number, centres: Float32Array, k: number, maxIterations: number): KMeansResult {
  let assignment = new Int32Array(n).fill(-1);
  let inertia = Infinity;
  for (let it = 0; it < maxIterations; it++) {
    // ||x − c||² = |x|² + |c|² − 2 x·c, for all pairs at once.
    const distances = valuesOf(() => {
      const c = tf.tensor2d(centres, [k, d]);
      return tf.add(tf.sub(xNorm, tf.mul(tf.matMul(x, c, false, true), 2)), tf.reshape(tf.sum(tf.square(c), 1), [1, k]));
    });
    const next = new Int32Array(n);
    let moved = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let j = 1; j < k; j++) if (distances[i * k + j] < distances[i * k + b]) b = j;
      next[i] = b;
      inertia += Math.max(0, distances[i * k + b]);
      if (b !== assignment[i]) moved++;
    }
    assignment = next;
    if (moved === 0) break;
    groupMeans(points, d, assignment, centres);
  }
  return { assignment, inertia, centres };
}

/**
 * Lloyd's update: each of the `k × d` `centres` (in place) becomes the mean of the `n × d`
 * points that `groups` (`n`, values in 0..k−1) puts in it; a group with no points keeps its centre.
 * Given the labels for `groups`, it gives the classes' own means.
 */
export function groupMeans(points: Float32Array, d: number, groups: ArrayLike<number>, centres: Float32Array): Float32Array {
  const k = centres.length / d;
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let i = 0; i < groups.length; i++) {
    const c = groups[i];
    counts[c]++;
    for (let j = 0; j < d; j++) sums[c * d + j] += points[i * d + j];
  }
  for (let c = 0; c < k; c++) if (counts[c] > 0) for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j] / counts[c];
  return centres;
}
