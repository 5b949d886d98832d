import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gatherPixels, slice, validationSplit } from '../src/data/dataset.ts';
import { readCheckpoint, writeCheckpoint } from '../src/io/checkpoint.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { SEED_TRAIN, type TrainConfig } from '../src/model/config.ts';
import { MixturePrior } from '../src/model/mixture.ts';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { nearestNeighbours, pairWithNeighbours } from '../src/train/neighbours.ts';
import { Trainer } from '../src/train/trainer.ts';
import { tempDir, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('nearest neighbours are the brute-force nearest, nearest first, never the point itself', () => {
  const rng = new Rng(3);
  const [n, d, k] = [230, 5, 4];
  const points = Float32Array.from({ length: n * d }, () => rng.normal());
  // Rows in chunks smaller than n, so the chunking is exercised too.
  const got = nearestNeighbours(points, d, k, 64);
  const dist = (i: number, j: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += (points[i * d + t] - points[j * d + t]) ** 2;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const expected = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => dist(i, a) - dist(i, b))
      .slice(0, k);
    assert.deepEqual(Array.from(got.subarray(i * k, (i + 1) * k)), expected, `point ${i}`);
  }
  assert.throws(() => nearestNeighbours(points.subarray(0, 3 * d), d, 3), /more than k = 3 points/);
});

test("a step's images become pairs: the first half, each followed by one of its own neighbours", () => {
  const k = 3;
  // Image i's neighbours are 100i + 1 … 100i + 3.
  const neighbours = Int32Array.from({ length: 10 * k }, (_, t) => 100 * Math.floor(t / k) + (t % k) + 1);
  const indices = Int32Array.from([4, 7, 1, 9, 2, 0]);
  const pairs = pairWithNeighbours(indices, neighbours, k, new Rng(1));
  assert.equal(pairs.length, 6);
  for (let i = 0; i < 3; i++) {
    assert.equal(pairs[2 * i], indices[i]);
    const offset = pairs[2 * i + 1] - 100 * indices[i];
    assert.ok(offset >= 1 && offset <= k, `pair ${i}: ${pairs[2 * i + 1]}`);
  }
  // Each of the k neighbours is drawn, over enough steps.
  const drawn = new Set<number>();
  const rng = new Rng(2);
  for (let s = 0; s < 50; s++) drawn.add(pairWithNeighbours(Int32Array.from([5, 6]), neighbours, k, rng)[1]);
  assert.deepEqual([...drawn].sort(), [501, 502, 503]);
});

test("paired, the clustering term's confidence part is SCAN's: −log of how far a pair agrees on its component", () => {
  const prior = new MixturePrior(3, 2, new Rng(0));
  prior.means.assign(tf.tensor2d([[-6, 0], [0, 0], [6, 0]]));
  prior.logScales.assign(tf.fill([3, 2], -1));
  const value = (codes: number[][]) => prior.negInformation(tf.tensor2d(codes), true).dataSync()[0];
  // Three pairs, each sure of its own component: they agree fully (0), and the balance is log 3.
  assert.ok(Math.abs(value([[-6, 0], [-6.1, 0], [0, 0], [0, 0.1], [6, 0], [5.9, 0]]) + Math.log(3)) < 1e-4);
  // By hand: a pair whose first code sits halfway between the first two components, γ = (½, ½, 0),
  // and whose second is sure of the first, γ = (1, 0, 0): agreement ½, so −log ½; the marginal
  // (¾, ¼, 0) has entropy −¾ log ¾ − ¼ log ¼.
  const balance = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
  assert.ok(Math.abs(value([[-3, 0], [-6, 0]]) - (Math.log(2) - balance)) < 1e-4);
  // A pair read, surely, into two components disagrees completely: far above any agreeing pair.
  assert.ok(value([[-6, 0], [6, 0]]) > 10);
  // Unpaired, the same two codes are each sure of their component: the IMSAT value, −log 2.
  assert.ok(Math.abs(prior.negInformation(tf.tensor2d([[-6, 0], [6, 0]])).dataSync()[0] + Math.log(2)) < 1e-4);
  // Its gradient pulls a disagreeing pair's codes towards each other's component.
  const codes = tf.variable(tf.tensor2d([[-3.5, 0], [-2.5, 0]]));
  const { grads } = tf.variableGrads(() => prior.negInformation(codes, true), [codes]);
  const g = grads[codes.name].dataSync();
  assert.ok(g[0] < 0 && g[2] > 0, `the first code moves right, the second left: ${Array.from(g)}`);
  codes.dispose();
  prior.dispose();
});

const data = () => validationSplit(slice(loadMnist('train'), 0, 400), 0.1);
const schedule = (epochs: number): TrainConfig => ({ ...SEED_TRAIN, epochs, batch: 40, seed: 7, clusterNeighbours: 3 });
const clustered = () => ({ ...tinyConfig(8), mixture: 3, loss: { ...tinyConfig(8).loss, crossEntropy: 0, cluster: 0.5 } });

test("neighbours are read by the starting weights, travel with the checkpoint, and a resumed run matches an unstopped one", async () => {
  const split = data();
  const config = clustered();
  const straight = new AffineVAE(config, { seed: 5 });
  const start = nearestNeighbours(straight.content(gatherPixels(split.train, Int32Array.from({ length: split.train.n }, (_, i) => i))), config.contentDims, 3);
  const t1 = new Trainer(straight, split, schedule(2));
  await t1.run();
  assert.deepEqual(Array.from(t1.snapshot().neighbours!), Array.from(start));

  const dir = tempDir();
  const ckpt = join(dir, 'checkpoint.ckpt');
  const killed = new AffineVAE(config, { seed: 5 });
  const t2 = new Trainer(killed, split, schedule(2));
  let steps = 0;
  const result = await t2.run({
    onStep: () => steps++,
    shouldStop: () => steps === 12, // 9 steps per epoch: stops after step 3 of epoch 2
    onStop: (snap) => writeCheckpoint(ckpt, { model: config, train: schedule(2), extra: {} }, snap),
  });
  assert.equal(result.stopped, true);
  t2.dispose();
  killed.dispose();

  const restored = readCheckpoint(ckpt);
  assert.deepEqual(Array.from(restored.snapshot.neighbours!), Array.from(start));
  // Other initial weights: mining again would find other neighbours; the checkpoint's are used.
  const resumed = new AffineVAE(restored.model, { seed: 999 });
  const t3 = new Trainer(resumed, split, restored.train);
  t3.restore(restored.snapshot);
  await t3.run();
  for (const [name, w] of Object.entries(straight.namedWeights())) {
    assert.deepEqual(Array.from(resumed.namedWeights()[name].dataSync()), Array.from(w.dataSync()), name);
  }

  // A checkpoint whose neighbours point outside the training set is refused, not trained on.
  const bytes = readFileSync(ckpt);
  const bad = join(dir, 'bad.ckpt');
  // The neighbours are the file's last bytes; the checksum is rewritten by writing a new file.
  const hostile = { ...restored.snapshot, neighbours: Int32Array.from(restored.snapshot.neighbours!, (v, i) => (i === 5 ? split.train.n + 7 : v)) };
  await writeCheckpoint(bad, { model: config, train: schedule(2), extra: {} }, hostile);
  const t4 = new Trainer(new AffineVAE(config, { seed: 1 }), split, schedule(2));
  assert.throws(() => t4.restore(readCheckpoint(bad).snapshot), new RegExp(`neighbour 5 is image ${split.train.n + 7}, outside the ${split.train.n} training images`));
  const short = join(dir, 'short.ckpt');
  await writeCheckpoint(short, { model: config, train: schedule(2), extra: {} }, { ...hostile, neighbours: restored.snapshot.neighbours!.subarray(0, 10) });
  assert.throws(() => t4.restore(readCheckpoint(short).snapshot), /holds 10 clustering neighbours, the run needs 3 for each of 360 images/);
  // A flipped neighbour byte fails the checksum.
  bytes[bytes.length - 2] ^= 0xff;
  writeFileSync(bad, bytes);
  assert.throws(() => readCheckpoint(bad), /do not match their checksum/);
  t1.dispose();
  t3.dispose();
});

test('train --cluster-neighbours needs the clustering term, and says what it paired', () => {
  const dir = tempDir();
  const common = ['--limit', '300', '--batch', '50', '--seed', '3', '--hidden', '8', '--ce-weight', '0', '--epochs', '1'];
  const without = cli('train', '--out', join(dir, 'none'), '--mixture', '3', '--cluster-neighbours', '5', ...common);
  assert.notEqual(without.status, 0);
  assert.match(without.stderr, /--cluster-neighbours pairs images for the clustering term: it needs --cluster-weight above 0/);
  assert.equal(without.stderr.trim().split('\n').filter((l) => /error/i.test(l)).length, 1, without.stderr);
  const out = join(dir, 'paired');
  const t = cli('train', '--out', out, '--mixture', '3', '--cluster-weight', '0.01', '--cluster-neighbours', '5', ...common);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /clustering neighbours: the 5 nearest of each of 294 training images by content/);
  const contradicted = cli('train', '--out', out, '--resume', '--cluster-neighbours', '6');
  assert.notEqual(contradicted.status, 0);
  assert.match(contradicted.stderr, /--cluster-neighbours 6 contradicts the checkpoint's 5/);
});
