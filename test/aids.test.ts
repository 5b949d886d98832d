import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { SEED_TRAIN } from '../src/model/config.ts';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { objective } from '../src/objective/objective.ts';
import { Trainer } from '../src/train/trainer.ts';
import { tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

function batch(model: AffineVAE, n = 6) {
  const rng = new Rng(3);
  const set = slice(loadMnist('train'), 0, n);
  return {
    x: tf.tensor2d(Float32Array.from(set.images, (v) => v / 255), [n, 784]),
    labels: tf.tensor1d(Int32Array.from(set.labels!), 'int32'),
    eps: tf.tensor2d(rng.normals(n * model.latent), [n, model.latent]),
  };
}

test('KL warm-up scales only the KL term of the loss', () => {
  const model = new AffineVAE({ ...tinyConfig(8), loss: { ...tinyConfig(8).loss, klScaling: 'per-image' } }, { seed: 1 });
  const { x, labels, eps } = batch(model);
  const full = objective(model, x, labels, eps, 6);
  const none = objective(model, x, labels, eps, 6, { klFactor: 0 });
  const half = objective(model, x, labels, eps, 6, { klFactor: 0.5 });
  const [t1, t0, th, kl] = [full.total, none.total, half.total, full.kl].map((s) => s.dataSync()[0]);
  assert.ok(Math.abs(t1 - t0 - 5 * kl) < 1e-4 * t1, `${t1} − ${t0} vs 5·${kl}`);
  assert.ok(Math.abs(th - (t0 + 2.5 * kl)) < 1e-4 * t1);
  model.dispose();
});

test('the warp KL weight (klWarp) weighs the warp latents apart from the content, with the warm-up', () => {
  const base = tinyConfig(8);
  const at = (kl: number, klWarp?: number) => new AffineVAE({ ...base, loss: { ...base.loss, klScaling: 'per-image', kl, ...(klWarp === undefined ? {} : { klWarp }) } }, { seed: 1 });
  const [both, content, warp, same] = [at(5), at(5, 0), at(0, 5), at(5, 5)];
  const { x, labels, eps } = batch(both);
  const total = (m: AffineVAE, klFactor?: number) => objective(m, x, labels, eps, 6, { klFactor }).total.dataSync()[0];
  const none = total(both, 0);
  // The KL is a sum over latents: the content's share and the warp's add up to the whole.
  assert.ok(Math.abs(total(content) - none + (total(warp) - none) - (total(both) - none)) < 1e-4 * total(both));
  assert.ok(total(warp) - none > 0 && total(content) - none > 0, 'both shares are positive');
  assert.ok(Math.abs(total(same) - total(both)) < 1e-6 * total(both));
  assert.ok(Math.abs(total(content, 0.5) - (none + (total(content) - none) / 2)) < 1e-4 * total(both), 'the warm-up scales both weights');
  for (const m of [both, content, warp, same]) m.dispose();
});

test('pixel subsampling: all pixels give the full MSE; random subsets average to it', () => {
  const model = new AffineVAE(tinyConfig(8), { seed: 2 });
  const { x, labels, eps } = batch(model);
  const full = objective(model, x, labels, eps, 6, { training: false }).mse.dataSync()[0];
  const all = objective(model, x, labels, eps, 6, { training: false, pixelIndices: Int32Array.from({ length: 784 }, (_, i) => i) }).mse.dataSync()[0];
  assert.ok(Math.abs(all - full) < 1e-6 * full);
  const rng = new Rng(7);
  let sum = 0;
  const trials = 200;
  for (let t = 0; t < trials; t++) {
    const pick = rng.permutation(784).subarray(0, 100).sort();
    sum += objective(model, x, labels, eps, 6, { training: false, pixelIndices: pick }).mse.dataSync()[0];
  }
  assert.ok(Math.abs(sum / trials - full) < 0.05 * full, `mean of subsets ${sum / trials} vs ${full}`);
  model.dispose();
});

test('pixel subsampling: the summed likelihoods (bce, gaussian) of random subsets average to the whole image\'s', () => {
  for (const likelihood of ['bce', 'gaussian'] as const) {
    const config = { ...tinyConfig(8), loss: { ...tinyConfig(8).loss, likelihood } };
    const model = new AffineVAE(config, { seed: 2 });
    const { x, labels, eps } = batch(model);
    const full = objective(model, x, labels, eps, 6, { training: false }).reconstruction.dataSync()[0];
    const rng = new Rng(7);
    let sum = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const pick = rng.permutation(784).subarray(0, 100).sort();
      sum += objective(model, x, labels, eps, 6, { training: false, pixelIndices: pick }).reconstruction.dataSync()[0];
    }
    // Summed over 100 of 784 pixels without the scaling, it would be an eighth of this.
    assert.ok(Math.abs(sum / trials - full) < 0.05 * full, `${likelihood}: mean of subsets ${sum / trials} vs ${full}`);
    model.dispose();
  }
});

test('rotation augmentation: the offset enters the angle; warps without an angle refuse it', () => {
  const model = new AffineVAE({ ...tinyConfig(8), warp: 'rotation', warpDims: 1 }, { seed: 3 });
  const { x, labels, eps } = batch(model);
  const base = objective(model, x, labels, eps, 6, { training: false }).mse.dataSync()[0];
  const zero = objective(model, x, labels, eps, 6, { training: false, thetaOffset: tf.zeros([6]) as tf.Tensor1D }).mse.dataSync()[0];
  const turned = objective(model, x, labels, eps, 6, { training: false, thetaOffset: tf.fill([6], 1.2) as tf.Tensor1D }).mse.dataSync()[0];
  assert.equal(zero, base);
  assert.notEqual(turned, base);
  const seed = new AffineVAE(tinyConfig(8), { seed: 3 });
  const s = batch(seed);
  assert.throws(() => objective(seed, s.x, s.labels, s.eps, 6, { thetaOffset: tf.zeros([6]) as tf.Tensor1D }), /has no angle latent/);
  model.dispose();
  seed.dispose();
});

test('training with all aids is deterministic and lowers the loss', async () => {
  const split = validationSplit(slice(loadMnist('train'), 0, 400), 0.1);
  const run = async () => {
    const model = new AffineVAE({ ...tinyConfig(16), warp: 'rotation', warpDims: 1 }, { seed: 4 });
    const trainer = new Trainer(model, split, { ...SEED_TRAIN, epochs: 2, batch: 40, seed: 5, klWarmup: 1, rotationAugment: 30, pixels: 200 });
    const { history } = await trainer.run();
    const w = model.namedWeights()['decoder/dense2/kernel'].dataSync().slice();
    trainer.dispose();
    model.dispose();
    return { history, w };
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(Array.from(a.w), Array.from(b.w));
  assert.ok(a.history[1].train.mse < a.history[0].train.mse, `${a.history[0].train.mse} -> ${a.history[1].train.mse}`);
});

test('a training step\'s angle search compares on searchPixels distinct random pixels (64 by default); a pooled model trains', async () => {
  const split = validationSplit(slice(loadMnist('train'), 0, 200), 0.1);
  for (const [searchPixels, want] of [[undefined, 64], [300, 300], [5000, 784]] as const) {
    const model = new AffineVAE({ ...tinyConfig(16), warp: 'rotation', warpDims: 1, angleSearch: 4, poolContent: true }, { seed: 4 });
    const seen: number[] = [];
    let validationReads = 0;
    const search = model.readingFrame.bind(model);
    model.readingFrame = (x, score) => {
      // Validation reads as the model reads: every pixel (no score list).
      if (score === undefined) {
        validationReads++;
        return search(x);
      }
      assert.equal(new Set(score).size, score.length, 'distinct pixels');
      seen.push(score.length);
      return search(x, score);
    };
    const trainer = new Trainer(model, split, { ...SEED_TRAIN, epochs: 1, batch: 60, seed: 5, pixels: 200, ...(searchPixels ? { searchPixels } : {}) });
    const { history } = await trainer.run();
    assert.ok(seen.length >= 3 && seen.every((n) => n === want), `${searchPixels}: ${seen}`);
    assert.ok(validationReads > 0, 'the validation scores the model with its search');
    assert.ok(Number.isFinite(history[0].train.loss));
    trainer.dispose();
    model.dispose();
  }
});
