import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { evaluateSet } from '../src/objective/metrics.ts';
import { readCheckpoint, writeCheckpoint } from '../src/io/checkpoint.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { SEED_TRAIN, type TrainConfig, architectureDifferences } from '../src/model/config.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { CALIBRATION_STEPS, Trainer } from '../src/train/trainer.ts';
import { tempDir, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const data = () => validationSplit(slice(loadMnist('train'), 0, 600), 0.1);
const schedule = (epochs: number): TrainConfig => ({ ...SEED_TRAIN, epochs, batch: 50, seed: 7 });

test("Keras' validation split: the last 2%, unshuffled", () => {
  const split = validationSplit(loadMnist('train'), 0.02);
  assert.equal(split.train.n, 58800);
  assert.equal(split.validation.n, 1200);
  assert.equal(split.validation.labels![0], loadMnist('train').labels![58800]);
});

test('a tiny training run lowers validation MSE by a clear margin', async () => {
  const split = validationSplit(slice(loadMnist('train'), 0, 2000), 0.1);
  const model = new AffineVAE(tinyConfig(32), { seed: 1 });
  const before = evaluateSet(model, split.validation, 100, 0).mse;
  const trainer = new Trainer(model, split, { ...SEED_TRAIN, epochs: 3, batch: 50 });
  const { history } = await trainer.run();
  const after = evaluateSet(model, split.validation, 100, 0).mse;
  assert.equal(history.length, 3);
  assert.ok(after < 0.6 * before, `validation MSE ${before.toFixed(4)} -> ${after.toFixed(4)}`);
  assert.ok(history[2].validation!.mse < history[0].validation!.mse, 'validation MSE falls across epochs');
  trainer.dispose();
  model.dispose();
});

test('no tensor leaks across training steps', () => {
  const split = data();
  const model = new AffineVAE(tinyConfig(8), { seed: 2 });
  const trainer = new Trainer(model, split, schedule(1), { microBatch: 20 });
  const idx = Int32Array.from({ length: 50 }, (_, i) => i);
  trainer.trainStep(split.train, idx); // first step may create lazily kept tensors
  const count = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) trainer.trainStep(split.train, idx);
  assert.equal(tf.memory().numTensors, count);
  trainer.dispose();
  model.dispose();
});

test('micro-batching changes memory, not the result', () => {
  const split = data();
  const run = (microBatch: number) => {
    const model = new AffineVAE(tinyConfig(8), { seed: 3 });
    const trainer = new Trainer(model, split, schedule(1), { microBatch });
    const parts = trainer.trainStep(split.train, Int32Array.from({ length: 50 }, (_, i) => i));
    const w = model.namedWeights()['decoder/dense2/kernel'].dataSync().slice();
    trainer.dispose();
    model.dispose();
    return { parts, w };
  };
  const whole = run(50);
  const chunked = run(7);
  assert.ok(Math.abs(whole.parts.loss - chunked.parts.loss) < 1e-6);
  for (let i = 0; i < whole.w.length; i++) assert.ok(Math.abs(whole.w[i] - chunked.w[i]) < 1e-6);
});

test('the same seed gives the same run', async () => {
  const split = data();
  const weights = async () => {
    const model = new AffineVAE(tinyConfig(8), { seed: 4 });
    const trainer = new Trainer(model, split, schedule(1));
    await trainer.run();
    const w = model.namedWeights()['encoder/mean/kernel'].dataSync().slice();
    trainer.dispose();
    model.dispose();
    return w;
  };
  assert.deepEqual(Array.from(await weights()), Array.from(await weights()));
});

test('resume after a simulated kill (mid-epoch) gives the same weights as an uninterrupted run', async () => {
  const split = data();
  const config = tinyConfig(8);
  const straight = new AffineVAE(config, { seed: 5 });
  const t1 = new Trainer(straight, split, schedule(2));
  await t1.run();

  // A run that stops mid-way through epoch 2 and leaves only its checkpoint file behind.
  const dir = tempDir();
  const ckpt = join(dir, 'checkpoint.ckpt');
  const killed = new AffineVAE(config, { seed: 5 });
  const t2 = new Trainer(killed, split, schedule(2));
  let steps = 0;
  const result = await t2.run({
    onStep: () => steps++,
    shouldStop: () => steps === 15, // 11 steps per epoch: stops after step 4 of epoch 2
    onStop: (snap) => writeCheckpoint(ckpt, { model: config, train: schedule(2), extra: {} }, snap),
  });
  assert.equal(result.stopped, true);
  t2.dispose();
  killed.dispose();

  // A fresh process would build a model with other initial weights; the checkpoint replaces them.
  const restored = readCheckpoint(ckpt);
  assert.equal(restored.state.epoch, 1);
  assert.equal(restored.state.step, 4);
  const resumed = new AffineVAE(restored.model, { seed: 999 });
  const t3 = new Trainer(resumed, split, restored.train);
  t3.restore(restored.snapshot);
  await t3.run();

  for (const [name, w] of Object.entries(straight.namedWeights())) {
    assert.deepEqual(Array.from(resumed.namedWeights()[name].dataSync()), Array.from(w.dataSync()), name);
  }
  assert.deepEqual(t3.state.history.map((h) => h.train.loss), t1.state.history.map((h) => h.train.loss));
  t1.dispose();
  t3.dispose();
});

test('a corrupt checkpoint is reported, not loaded', async () => {
  const dir = tempDir();
  const path = join(dir, 'c.ckpt');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path, 'AVAECKPT\x05\x00\x00\x00{"a"');
  assert.throws(() => readCheckpoint(path), /corrupt checkpoint/);
  assert.throws(() => readCheckpoint(join(dir, 'none.ckpt')), /no checkpoint at .*nothing to resume/);
});

test('a time budget plans the run once it has measured its speed, ends there, and a resumed run follows the plan exactly', async () => {
  const split = data();
  const config = tinyConfig(8);
  const train: TrainConfig = { ...schedule(1000), schedule: 'cosine', warmupSteps: 5, minutes: 1, pixels: 100 };
  // 5 s: on a machine busy with other work, a shorter budget was cut short (its guard) before the stop below.
  const budget = () => ({ endsAt: performance.now() + 5000, finalImages: 100 });

  // A run that plans its length, and stops (as Ctrl-C would) a few steps after the plan: 6, or
  // half the planned rest where a busy machine planned fewer.
  const dir = tempDir();
  const ckpt = join(dir, 'checkpoint.ckpt');
  const killed = new AffineVAE(config, { seed: 5 });
  const t1 = new Trainer(killed, split, train, { budget: budget() });
  let plannedAt = -1;
  let stopAfter = 0;
  let steps = 0;
  const factors: number[] = [];
  await t1.run({
    onStep: (r) => {
      steps++;
      factors.push(r.learningRate / train.learningRate);
      if (plannedAt < 0 && r.totalSteps !== null) {
        plannedAt = steps;
        stopAfter = Math.max(1, Math.min(6, Math.floor((r.totalSteps - steps) / 2)));
      }
    },
    shouldStop: () => plannedAt > 0 && steps === plannedAt + stopAfter,
    onStop: (snap) => writeCheckpoint(ckpt, { model: config, train, extra: {} }, snap),
  });
  // Planned after its calibration steps and a tenth of the budget; the decay starts there.
  const decayFrom = t1.state.decayFrom!;
  assert.equal(plannedAt, decayFrom + 1);
  assert.ok(decayFrom >= CALIBRATION_STEPS, `planned at step ${decayFrom}`);
  const planned = t1.state.plannedSteps!;
  assert.ok(planned > decayFrom + stopAfter, `plan of ${planned} steps, stopped at ${decayFrom + 1 + stopAfter}`);
  // A warm-up, then the full rate until the plan: no rate depended on the plan before it existed.
  assert.deepEqual(
    factors.slice(0, decayFrom + 1),
    Array.from({ length: decayFrom + 1 }, (_, i) => Math.min(1, (i + 1) / CALIBRATION_STEPS)),
  );
  for (let i = decayFrom + 1; i < factors.length; i++) assert.ok(factors[i] < factors[i - 1], `decays at step ${i}`);
  t1.dispose();
  killed.dispose();

  // Resumed from the checkpoint, it ends at the planned step, whatever the new budget.
  const restored = readCheckpoint(ckpt);
  assert.equal(restored.state.plannedSteps, planned);
  const resumed = new AffineVAE(restored.model, { seed: 999 });
  const t2 = new Trainer(resumed, split, restored.train, { budget: { endsAt: performance.now() + 60_000, finalImages: 100 } });
  t2.restore(restored.snapshot);
  await t2.run();
  assert.equal(t2.optimizer.step, planned);
  // 540 training images, batch 50: 11 steps an epoch, the last of 40 images.
  const lastEpochSteps = planned - 11 * Math.floor((planned - 1) / 11);
  assert.equal(t2.state.history.at(-1)!.images, lastEpochSteps === 11 ? undefined : lastEpochSteps * 50, 'a partial last epoch counts its images');

  // The same run, uninterrupted and given the same plan, ends with the same weights.
  const straight = new AffineVAE(config, { seed: 5 });
  const t3 = new Trainer(straight, split, train, { budget: budget() });
  t3.state.plannedSteps = planned;
  t3.state.decayFrom = decayFrom;
  await t3.run();
  for (const [name, w] of Object.entries(straight.namedWeights())) {
    assert.deepEqual(Array.from(resumed.namedWeights()[name].dataSync()), Array.from(w.dataSync()), name);
  }
  assert.deepEqual(t2.state.history.map((h) => h.train.loss), t3.state.history.map((h) => h.train.loss));
  t2.dispose();
  t3.dispose();
});

test('--init: a trained model of the same architecture is accepted, another is refused with the difference named', () => {
  const a = tinyConfig(8);
  assert.deepEqual(architectureDifferences(a, { ...a, loss: { ...a.loss, kl: 1 } }), []);
  assert.deepEqual(architectureDifferences(a, tinyConfig(16)), ['encoder widths 8/8 vs 16/16', 'decoder widths 8/8 vs 16/16', 'classifier widths 8 vs 16']);
  assert.deepEqual(architectureDifferences(a, { ...a, height: 32 }), ['image size 28×28 vs 32×28']);
});
