import * as tf from '@tensorflow/tfjs-core';
import { type ImageSet, gatherLabels, gatherPixels, range } from '../data/dataset.ts';
import type { AffineVAE } from '../model/vae.ts';
import { valuesOf } from '../tensors/read.ts';

/**
 * The classifier as one would deploy it: the predictor on the posterior mean (no sampling), the
 * fraction of `set` whose class it gets right. `evaluateSet`'s accuracy samples `z` as the
 * original's Keras `evaluate` did, which costs a little accuracy.
 */
export function meanLatentAccuracy(model: AffineVAE, set: ImageSet, chunk = 500): number {
  let correct = 0;
  for (let start = 0; start < set.n; start += chunk) {
    const idx = range(start, Math.min(set.n, start + chunk));
    const x = gatherPixels(set, idx);
    const labels = gatherLabels(set, idx);
    const predicted = valuesOf(() => tf.argMax(model.predict(model.encode(tf.tensor2d(x, [idx.length, model.values])).mean), 1));
    for (let i = 0; i < idx.length; i++) correct += predicted[i] === labels[i] ? 1 : 0;
  }
  return correct / set.n;
}
