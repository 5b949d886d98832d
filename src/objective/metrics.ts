import * as tf from '@tensorflow/tfjs-core';
import { type ImageSet, gatherLabels, gatherPixels, range } from '../data/dataset.ts';
import { Rng } from '../model/rng.ts';
import type { AffineVAE } from '../model/vae.ts';
import { valuesOf } from '../tensors/read.ts';
import { objective } from './objective.ts';

/** Loss terms and accuracy over a set of images, each a per-image (or per-pixel) average. */
export interface Metrics {
  /** The weighted total as training minimizes it. */
  loss: number;
  /** Mean squared error per pixel. */
  mse: number;
  /** The KL term as it enters the loss, with the model's KL scaling at the given batch size. */
  kl: number;
  /** KL in nats per image, summed over latents (independent of the scaling). */
  klNats: number;
  /** Cross-entropy per image, in nats. */
  crossEntropy: number;
  /** Fraction of images whose class is predicted right. */
  accuracy: number;
}

/** Sums of per-batch loss parts, weighted by batch size, turned into {@link Metrics} at the end. */
export class MetricSums {
  count = 0;
  private sums = { loss: 0, mse: 0, kl: 0, klNats: 0, crossEntropy: 0, correct: 0 };

  /** Adds a batch of `n` images whose parts are batch means (`correct` is a count). */
  add(n: number, parts: { loss: number; mse: number; kl: number; klNats: number; crossEntropy: number; correct: number }): void {
    this.count += n;
    this.sums.loss += parts.loss * n;
    this.sums.mse += parts.mse * n;
    this.sums.kl += parts.kl * n;
    this.sums.klNats += parts.klNats * n;
    this.sums.crossEntropy += parts.crossEntropy * n;
    this.sums.correct += parts.correct;
  }

  /** The averages so far. */
  mean(): Metrics {
    const c = Math.max(1, this.count);
    const s = this.sums;
    return { loss: s.loss / c, mse: s.mse / c, kl: s.kl / c, klNats: s.klNats / c, crossEntropy: s.crossEntropy / c, accuracy: s.correct / c };
  }

  toJSON(): { count: number; sums: MetricSums['sums'] } {
    return { count: this.count, sums: { ...this.sums } };
  }

  static fromJSON(json: ReturnType<MetricSums['toJSON']>): MetricSums {
    const m = new MetricSums();
    m.count = json.count;
    m.sums = { ...json.sums };
    return m;
  }
}

/**
 * Evaluates a model as Keras' `evaluate` does: batches of `batch`, one latent sample per image
 * (from a generator seeded with `seed`, so the figure is reproducible), averaged over images.
 * The KL term uses each batch's own size, as the original's loss did. The loss is the
 * {@link objective}'s total, chunk by chunk (`chunk` images at a time bound the memory).
 */
export function evaluateSet(model: AffineVAE, set: ImageSet, batch: number, seed: number, chunk = batch): Metrics {
  const rng = new Rng(seed);
  const sums = new MetricSums();
  const { latent, values: v } = model;
  for (let start = 0; start < set.n; start += batch) {
    const idx = range(start, Math.min(set.n, start + batch));
    const b = idx.length;
    const x = gatherPixels(set, idx);
    const labels = gatherLabels(set, idx);
    const eps = rng.normals(b * latent);
    // A model that turns what it reads (an angle search, moment alignment) is scored on what it
    // reads, as training scores it: the encoder sees each image turned (and centred), the decoder
    // must draw the image as given.
    const { turns, centres } = model.searches ? model.readingFrame(x) : { turns: null, centres: null };
    const input = turns ? model.alignedImages(x, turns, centres) : x;
    // Each chunk's parts are already divided by the whole batch's normalizers: they add up.
    const acc = { loss: 0, mse: 0, kl: 0, klSum: 0, crossEntropy: 0, correct: 0 };
    for (let c = 0; c < b; c += chunk) {
      const e = Math.min(b, c + chunk);
      const values = valuesOf(() => {
        const parts = objective(
          model,
          tf.tensor2d(input.subarray(c * v, e * v), [e - c, v]),
          tf.tensor1d(labels.subarray(c, e), 'int32'),
          tf.tensor2d(eps.subarray(c * latent, e * latent), [e - c, latent]),
          b,
          turns
            ? {
                training: false,
                target: tf.tensor2d(x.subarray(c * v, e * v), [e - c, v]),
                thetaOffset: tf.tensor1d(Array.from(turns.subarray(c, e), (a) => (-a * Math.PI) / 180)),
                centres: centres ? tf.tensor2d(centres.subarray(2 * c, 2 * e), [e - c, 2]) : undefined,
              }
            : { training: false },
        );
        return tf.stack([parts.total, parts.mse, parts.kl, parts.klNats, parts.crossEntropy, parts.correct]);
      });
      acc.loss += values[0];
      acc.mse += values[1];
      acc.kl += values[2];
      acc.klSum += values[3] * b;
      acc.crossEntropy += values[4];
      acc.correct += values[5];
    }
    sums.add(b, { loss: acc.loss, mse: acc.mse, kl: acc.kl, klNats: acc.klSum / b, crossEntropy: acc.crossEntropy, correct: acc.correct });
  }
  return sums.mean();
}
