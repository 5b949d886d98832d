import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { LossConfig } from '../src/model/config.ts';
import { klDivisor, klElements, lossParts } from '../src/objective/terms.ts';
import { tf, useBackend } from './helpers.ts';

before(useBackend);

const sq = (t: tf.Tensor) => ({ loss: t as tf.Scalar, sse: t as tf.Scalar });
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('KL per element: 0 for the prior, closed form otherwise', () => {
  const kl = klElements(tf.tensor2d([[0, 1]]), tf.tensor2d([[1, 0.5]]), 0).dataSync();
  close(kl[0], 0);
  close(kl[1], -Math.log(0.5) + (0.25 + 1) / 2 - 0.5);
});

test('KL against a prior N(0, ρ²) matches its closed form', () => {
  const rho = Float32Array.from([1, Math.PI / 4, 0.1]);
  const kl = klElements(tf.tensor2d([[0.5, 0.3, -0.05]]), tf.tensor2d([[0.8, 0.2, 0.1]]), 0, rho).dataSync();
  const closed = (m: number, s: number, r: number) => Math.log(r / s) + (s * s + m * m) / (2 * r * r) - 0.5;
  close(kl[0], closed(0.5, 0.8, 1));
  close(kl[1], closed(0.3, 0.2, Math.PI / 4));
  close(kl[2], closed(-0.05, 0.1, 0.1));
  // At the prior itself the KL vanishes.
  close(klElements(tf.tensor2d([[0]]), tf.tensor2d([[0.1]]), 0, Float32Array.from([0.1])).dataSync()[0], 0);
});

test('KL divisors: the seed preset divides twice', () => {
  assert.equal(klDivisor('seed', 1000, 16), 16000 ** 2);
  assert.equal(klDivisor('mean', 1000, 16), 16000);
  assert.equal(klDivisor('per-image', 1000, 16), 1000);
});

/** A hand-computed case: 2 images of 2 pixels, latent 2, 3 classes; MSE = (0.01 + 0.09 + 0 + 0.16) / 4. */
function handCase() {
  const target = tf.tensor2d([[0, 1], [0.5, 0.5]]);
  const image = tf.tensor2d([[0.1, 0.7], [0.5, 0.9]]);
  return {
    loss: sq(tf.sum(tf.squaredDifference(image, target))),
    mean: tf.tensor2d([[0, 1], [0.5, 0]]),
    scale: tf.tensor2d([[1, 0.5], [1, 2]]),
    logits: tf.tensor2d([[0, 0, 0], [2, 0, 0]]),
    labels: tf.tensor1d([1, 0], 'int32'),
    mse: 0.26 / 4,
  };
}

const klEl = (m: number, s: number) => -Math.log(s) + (s * s + m * m) / 2 - 0.5;

test('all loss parts on a hand-computed case, for each KL scaling', () => {
  const { loss, mean, scale, logits, labels, mse } = handCase();
  const klSum = klEl(0, 1) + klEl(1, 0.5) + klEl(0.5, 1) + klEl(0, 2);
  // CE: image 1 uniform -> ln 3; image 2: -log(e²/(e²+2))
  const ce = (Math.log(3) - Math.log(Math.exp(2) / (Math.exp(2) + 2))) / 2;
  for (const klScaling of ['seed', 'mean', 'per-image'] as const) {
    const config: LossConfig = { crossEntropy: 1e-3, mse: 1, likelihood: 'mse', sigma: 0.1, kl: 5, klScaling, scaleEpsilon: 1e-8 };
    const p = lossParts(config, loss, 2, mean, scale, logits, labels, 2);
    const divisor = { seed: 16, mean: 4, 'per-image': 2 }[klScaling];
    close(p.mse.dataSync()[0], mse);
    close(p.kl.dataSync()[0], klSum / divisor);
    close(p.klNats.dataSync()[0], klSum / 2);
    close(p.crossEntropy.dataSync()[0], ce);
    close(p.total.dataSync()[0], 1e-3 * ce + mse + (5 * klSum) / divisor);
    assert.equal(p.correct.dataSync()[0], 1); // image 1 predicts class 0 (a tie, argmax picks 0), label 1: wrong
  }
});

test('a KL weight per latent replaces the one weight in the total, and leaves the reported KL alone', () => {
  const { loss, mean, scale, logits, labels, mse } = handCase();
  const first = klEl(0, 1) + klEl(0.5, 1); // latent 0 of both images
  const second = klEl(1, 0.5) + klEl(0, 2);
  const config: LossConfig = { crossEntropy: 0, mse: 1, likelihood: 'mse', sigma: 0.1, kl: 5, klScaling: 'per-image', scaleEpsilon: 1e-8 };
  const p = lossParts(config, loss, 2, mean, scale, logits, labels, 2, { klWeights: Float32Array.from([5, 0.25]) });
  close(p.total.dataSync()[0], mse + (5 * first + 0.25 * second) / 2);
  close(p.kl.dataSync()[0], (first + second) / 2);
  // Equal weights are the one weight.
  const same = lossParts(config, loss, 2, mean, scale, logits, labels, 2, { klWeights: Float32Array.from([5, 5]) });
  close(same.total.dataSync()[0], lossParts(config, loss, 2, mean, scale, logits, labels, 2).total.dataSync()[0]);
});

test('chunks of a batch add up to the whole batch', () => {
  const config: LossConfig = { crossEntropy: 1e-3, mse: 1, likelihood: 'mse', sigma: 0.1, kl: 5, klScaling: 'seed', scaleEpsilon: 1e-8 };
  const t = tf.randomUniform([4, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
  const y = tf.randomUniform([4, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
  const m = tf.randomNormal([4, 2], 0, 1, 'float32', 3) as tf.Tensor2D;
  const s = tf.randomUniform([4, 2], 0.1, 2, 'float32', 4) as tf.Tensor2D;
  const l = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
  const lab = tf.tensor1d([0, 1, 2, 1], 'int32');
  const whole = lossParts(config, sq(tf.sum(tf.squaredDifference(t, y))), 3, m, s, l, lab, 4).total.dataSync()[0];
  const half = (i: number) => {
    const sl = (x: tf.Tensor2D) => tf.slice(x, [2 * i, 0], [2, x.shape[1]]);
    return lossParts(config, sq(tf.sum(tf.squaredDifference(sl(t), sl(y)))), 3, sl(m), sl(s), sl(l), tf.slice(lab, [2 * i], [2]), 4).total.dataSync()[0];
  };
  close(half(0) + half(1), whole);
});

test('the bce and gaussian likelihoods: summed over pixels, averaged over images', () => {
  const base: LossConfig = { crossEntropy: 0, mse: 1, likelihood: 'mse', sigma: 0.5, kl: 0, klScaling: 'per-image', scaleEpsilon: 1e-8 };
  const m = tf.zeros([2, 2]) as tf.Tensor2D;
  const s = tf.ones([2, 2]) as tf.Tensor2D;
  const l = tf.zeros([2, 3]) as tf.Tensor2D;
  const lab = tf.tensor1d([0, 0], 'int32');
  const squared = { loss: tf.scalar(3), sse: tf.scalar(3) };
  const bce = { loss: tf.scalar(7), sse: tf.scalar(3) };
  // 2 images of 4 pixels: mse = 3/8; bce = 7/2 nats per image; gaussian = 3/(2·0.25·2).
  close(lossParts(base, squared, 4, m, s, l, lab, 2).reconstruction.dataSync()[0], 3 / 8);
  close(lossParts({ ...base, likelihood: 'bce' }, bce, 4, m, s, l, lab, 2).reconstruction.dataSync()[0], 3.5);
  close(lossParts({ ...base, likelihood: 'gaussian' }, squared, 4, m, s, l, lab, 2).reconstruction.dataSync()[0], 3);
  close(lossParts({ ...base, likelihood: 'bce' }, bce, 4, m, s, l, lab, 2).mse.dataSync()[0], 3 / 8);
});
