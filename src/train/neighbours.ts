import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../model/rng.ts';

/**
 * Nearest neighbours in the content space, for the clustering term's consistency part (SCAN,
 * Van Gansbeke et al. 2020): what a digit's closest digits are read as is a better guess of its
 * group than where k-means' round clusters put it. On the shipped `mnist-pose`, 86% of a test
 * digit's five nearest training digits share its class, where k-means matches 82%.
 */

/**
 * The `k` nearest other points of each of `n × d` points (row-major), by Euclidean distance:
 * `n × k` indices, nearest first. Exact; `rows` points at a time against all, so memory stays at
 * `rows × n` distances.
 */
export function nearestNeighbours(points: Float32Array, d: number, k: number, rows = 500): Int32Array {
  const n = points.length / d;
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 1 || k >= n) throw new Error(`nearest neighbours need more than k = ${k} points of ${d} values, got ${points.length} values`);
  const out = new Int32Array(n * k);
  const all = tf.tensor2d(points, [n, d]);
  const norms = tf.reshape(tf.sum(tf.square(all), 1), [1, n]);
  try {
    for (let start = 0; start < n; start += rows) {
      const end = Math.min(n, start + rows);
      const idx = tf.tidy(() => {
        const x = tf.slice(all, [start, 0], [end - start, d]);
        // −‖x − y‖² up to each row's own |x|², which does not change its order.
        let closeness = tf.sub(tf.mul(tf.matMul(x, all, false, true), 2), norms); // rows × n
        // A point is not its own neighbour (duplicates of it still are).
        const self = tf.oneHot(tf.range(start, end, 1, 'int32'), n);
        closeness = tf.sub(closeness, tf.mul(self, 1e30));
        return tf.topk(closeness, k).indices;
      });
      out.set(idx.dataSync() as Int32Array, start * k);
      idx.dispose();
    }
  } finally {
    tf.dispose([all, norms]);
  }
  return out;
}

/**
 * A step's images as pairs: the first half of `indices`, each followed by one of its `k`
 * neighbours drawn by `rng` (rows `2i`, `2i + 1`). The second half of `indices` is not used, so
 * an epoch reads half its images as anchors and the rest as whatever neighbours are drawn.
 */
export function pairWithNeighbours(indices: Int32Array, neighbours: Int32Array, k: number, rng: Rng): Int32Array {
  const half = Math.max(1, Math.floor(indices.length / 2));
  const out = new Int32Array(2 * half);
  for (let i = 0; i < half; i++) {
    const a = indices[i];
    out[2 * i] = a;
    out[2 * i + 1] = neighbours[a * k + rng.int(k)];
  }
  return out;
}
