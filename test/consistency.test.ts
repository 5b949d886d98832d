import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { type ModelConfig, SEED_TRAIN, applyOverrides, validateModelConfig } from '../src/model/config.ts';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { VAT_PROBE, adversarialPerturbation, consistencySum, logComponents } from '../src/objective/consistency.ts';
import { objective } from '../src/objective/objective.ts';
import { Trainer } from '../src/train/trainer.ts';
import { maxAbsDiff, tempDir, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

/** A tiny rotation model whose content has a mixture prior, pooled over the given turns. */
function pooledConfig(poolTurns?: 2 | 4): ModelConfig {
  return { ...tinyConfig(16), warp: 'rotation', warpDims: 1, mixture: 3, ...(poolTurns ? { poolContent: true, poolTurns } : {}) };
}

function digits(n: number): tf.Tensor2D {
  const set = slice(loadMnist('train'), 0, n);
  return tf.tensor2d(Float32Array.from(set.images, (v) => v / 255), [n, 784]);
}

function randomRows(n: number, v: number, seed: number): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(n * v), [n, v]);
}

test("the content's gradient by the image, through a pooled model's turns, matches finite differences", () => {
  for (const turns of [2, 4] as const) {
    const model = new AffineVAE(pooledConfig(turns), { seed: 3 });
    const x = digits(3);
    const weights = randomRows(3, model.config.contentDims, 7);
    // A linear read of the pooled content: its gradient is the turns' (custom) backward at work.
    const f = (input: tf.Tensor) => tf.sum(tf.mul(model.split(model.encode(input as tf.Tensor2D).mean).content, weights));
    const slope = tf.grad(f)(x);
    for (const seed of [11, 12, 13]) {
      const d = tf.div(randomRows(3, 784, seed), 28) as tf.Tensor2D; // about unit length per image
      const h = 1e-3;
      const numeric = (f(tf.add(x, tf.mul(d, h))).dataSync()[0] - f(tf.sub(x, tf.mul(d, h))).dataSync()[0]) / (2 * h);
      const analytic = tf.sum(tf.mul(slope, d)).dataSync()[0];
      assert.ok(Math.abs(numeric - analytic) <= 2e-2 * Math.max(1, Math.abs(analytic)), `${turns} turns: ${numeric} against ${analytic}`);
    }
    model.dispose();
  }
});

test('the consistency term: 0 unperturbed; the adversarial perturbation has the asked length and moves the component read more than random ones do', () => {
  for (const turns of [undefined, 2] as const) {
    const model = new AffineVAE(pooledConfig(turns), { seed: 5 });
    const x = digits(8);
    const logTarget = logComponents(model, x);
    assert.ok(maxAbsDiff(tf.sum(tf.exp(logTarget), 1).dataSync(), new Float32Array(8).fill(1)) < 1e-5, 'γ sums to 1');
    assert.ok(Math.abs(consistencySum(model, x, tf.zerosLike(x), logTarget).dataSync()[0]) < 1e-5);
    const radius = 2;
    const { r } = adversarialPerturbation(model, x, randomRows(8, 784, 1), radius);
    assert.ok(maxAbsDiff(tf.norm(r, 'euclidean', 1).dataSync(), new Float32Array(8).fill(radius)) < 1e-3);
    const adversarial = consistencySum(model, x, r, logTarget).dataSync()[0];
    for (const seed of [21, 22, 23, 24, 25]) {
      const d = randomRows(8, 784, seed);
      const random = consistencySum(model, x, tf.mul(d, tf.div(radius, tf.norm(d, 'euclidean', 1, true))) as tf.Tensor2D, logTarget).dataSync()[0];
      assert.ok(adversarial > 2 * random, `${turns ?? 1} turns: adversarial ${adversarial}, random ${random}`);
    }
    // The power iteration starts at a short probe, far inside the radius.
    assert.ok(VAT_PROBE < radius / 10);
    model.dispose();
  }
});

test('the consistency weight adds its term to the objective, split across chunks; it needs a mixture; 0 is no term', () => {
  const config = pooledConfig();
  const model = new AffineVAE(config, { seed: 5 });
  const weighted = new AffineVAE({ ...config, loss: { ...config.loss, consistency: 0.5 } }, { seed: 5 });
  const x = digits(4);
  const labels = tf.tensor1d([1, 2, 3, 4], 'int32');
  const eps = tf.randomNormal([4, model.latent], 0, 1, 'float32', 2) as tf.Tensor2D;
  const perturbation = adversarialPerturbation(weighted, x, randomRows(4, 784, 3), 1.5);
  const a = objective(model, x, labels, eps, 4, { training: false });
  const b = objective(weighted, x, labels, eps, 4, { training: false, perturbation });
  const term = consistencySum(weighted, x, perturbation.r, perturbation.logTarget).dataSync()[0] / 4;
  assert.ok(term > 0);
  assert.equal(a.consistency.dataSync()[0], 0);
  assert.ok(Math.abs(b.consistency.dataSync()[0] - term) < 1e-5);
  assert.ok(Math.abs(b.total.dataSync()[0] - (a.total.dataSync()[0] + 0.5 * term)) < 1e-5);
  const half = (i: number) =>
    objective(weighted, tf.slice(x, [2 * i, 0], [2, 784]), tf.slice(labels, [2 * i], [2]), tf.slice(eps, [2 * i, 0], [2, -1]), 4, {
      training: false,
      perturbation: { r: tf.slice(perturbation.r, [2 * i, 0], [2, -1]), logTarget: tf.slice(perturbation.logTarget, [2 * i, 0], [2, -1]) },
    }).consistency.dataSync()[0];
  assert.ok(Math.abs(half(0) + half(1) - term) < 1e-5);
  model.dispose();
  weighted.dispose();
  assert.throws(() => validateModelConfig({ ...tinyConfig(8), loss: { ...tinyConfig(8).loss, consistency: 1 } }), /the consistency loss weight needs a mixture prior/);
  assert.throws(() => validateModelConfig({ ...config, loss: { ...config.loss, consistency: 1, consistencyRadius: 0 } }), /consistencyRadius must be a number in \(0, 1000\], got 0/);
  assert.equal('consistency' in applyOverrides(config, { consistency: 0 }).loss, false);
  assert.deepEqual(applyOverrides(config, { consistency: 2, consistencyRadius: 0.5 }).loss.consistencyRadius, 0.5);
});

test('a training step with the consistency term: each image draws its own start, so micro-batching changes nothing; the term changes the step', () => {
  const split = validationSplit(slice(loadMnist('train'), 0, 120), 0.1);
  const step = (consistency: number, microBatch: number) => {
    const config = pooledConfig(2);
    const model = new AffineVAE({ ...config, loss: { ...config.loss, ...(consistency > 0 ? { consistency } : {}) } }, { seed: 4 });
    const trainer = new Trainer(model, split, { ...SEED_TRAIN, epochs: 1, batch: 36, seed: 5 }, { microBatch });
    const parts = trainer.trainStep(split.train, Int32Array.from({ length: 36 }, (_, i) => i));
    const w = model.variables.map((v) => v.dataSync().slice());
    trainer.dispose();
    model.dispose();
    return { loss: parts.loss, w };
  };
  const whole = step(1, 36);
  const chunked = step(1, 12);
  const without = step(0, 36);
  assert.ok(Math.abs(whole.loss - chunked.loss) < 1e-5, `${whole.loss} against ${chunked.loss}`);
  whole.w.forEach((w, i) => assert.ok(maxAbsDiff(w, chunked.w[i]) < 1e-6, `variable ${i}`));
  assert.ok(whole.loss > without.loss + 1e-3, 'the term is in the loss');
  assert.ok(Math.max(...whole.w.map((w, i) => maxAbsDiff(w, without.w[i]))) > 1e-5);
});

test('train --consistency-weight needs --mixture, is kept in the model with its radius, and --resume refuses another', () => {
  const dir = tempDir();
  const common = ['--limit', '200', '--batch', '50', '--seed', '3', '--hidden', '8', '--ce-weight', '0', '--epochs', '1'];
  const without = cli('train', '--out', join(dir, 'none'), '--consistency-weight', '1', ...common);
  assert.notEqual(without.status, 0);
  assert.match(without.stderr, /the consistency loss weight needs a mixture prior/);
  assert.equal(without.stderr.split('\n').filter((l) => /error/i.test(l)).length, 1, without.stderr);
  const out = join(dir, 'smooth');
  const t = cli('train', '--out', out, '--mixture', '3', '--consistency-weight', '0.1', '--consistency-radius', '0.5', ...common);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /consistency weight 0\.1 at radius 0\.5/);
  const loss = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology.config.loss;
  assert.equal(loss.consistency, 0.1);
  assert.equal(loss.consistencyRadius, 0.5);
  const contradicted = cli('train', '--out', out, '--resume', '--consistency-radius', '2');
  assert.notEqual(contradicted.status, 0);
  assert.match(contradicted.stderr, /--consistency-radius 2 contradicts the checkpoint's 0\.5/);
  const bad = cli('train', '--out', join(dir, 'bad'), '--mixture', '3', '--consistency-radius', '0', ...common);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /'0' is outside/);
});
