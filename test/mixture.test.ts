import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadModelDir, saveModelDir } from '../src/io/model-dir.ts';
import { applyOverrides, validateModelConfig } from '../src/model/config.ts';
import { matchedAccuracy } from '../src/eval/cluster.ts';
import { kMeans } from '../src/model/kmeans.ts';
import { MixturePrior } from '../src/model/mixture.ts';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { objective } from '../src/objective/objective.ts';
import { klElements } from '../src/objective/terms.ts';
import { maxAbsDiff, tempDir, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

/** A mixture with the given means (`K × D`), log scales and logits. */
function mixture(means: number[][], logScales?: number[][], logits?: number[]): MixturePrior {
  const prior = new MixturePrior(means.length, means[0].length, new Rng(0));
  prior.means.assign(tf.tensor2d(means));
  if (logScales) prior.logScales.assign(tf.tensor2d(logScales));
  if (logits) prior.logits.assign(tf.tensor1d(logits));
  return prior;
}

test("one component at N(0, 1) is the normal prior's KL", () => {
  const prior = mixture([[0, 0, 0]]);
  const rng = new Rng(4);
  const mean = tf.tensor2d(Float32Array.from({ length: 12 }, () => rng.normal()), [4, 3]);
  const sigma = tf.tensor2d(Float32Array.from({ length: 12 }, () => 0.2 + rng.uniform()), [4, 3]);
  const z = tf.add(mean, tf.mul(sigma, tf.randomNormal([4, 3], 0, 1, 'float32', 7))) as tf.Tensor2D;
  const expected = tf.sum(klElements(mean, sigma, 0), 1).dataSync();
  assert.ok(maxAbsDiff(prior.kl(mean, sigma, z).dataSync(), expected) < 1e-5);
  prior.dispose();
});

test("VaDE's KL bounds the true KL from the mixture from above, and is tight when the components are apart", () => {
  // KL(q(z|x) ‖ p(z)) by Monte Carlo: the mean of log q(z) − log p(z) over draws z ~ q.
  const check = (prior: MixturePrior, m: number[], s: number[]) => {
    const n = 4000;
    const d = m.length;
    const mean = tf.tile(tf.tensor2d([m]), [n, 1]) as tf.Tensor2D;
    const sigma = tf.tile(tf.tensor2d([s]), [n, 1]) as tf.Tensor2D;
    const eps = tf.randomNormal([n, d], 0, 1, 'float32', 11);
    const z = tf.add(mean, tf.mul(sigma, eps)) as tf.Tensor2D;
    const logQ = tf.sum(tf.neg(tf.add(tf.add(tf.log(sigma), 0.5 * Math.log(2 * Math.PI)), tf.div(tf.square(eps), 2))), 1);
    const logP = tf.logSumExp(prior.logJoint(z), 1);
    const trueKl = tf.mean(tf.sub(logQ, logP)).dataSync()[0];
    const vade = prior.kl(mean, sigma, z).dataSync();
    const vadeKl = Array.from(vade).reduce((a, b) => a + b, 0) / n;
    return { trueKl, vadeKl };
  };
  // Overlapping components: the bound is loose but holds.
  const near = mixture([[0, 0], [0.8, 0.3], [-0.5, 0.6]], [[0, -0.3], [0.2, 0], [-0.5, -0.5]], [0, 0.5, -0.5]);
  const a = check(near, [0.3, 0.2], [0.3, 0.4]);
  assert.ok(a.vadeKl >= a.trueKl - 0.02, `${a.vadeKl} vs ${a.trueKl}`);
  assert.ok(a.vadeKl - a.trueKl > 0.05, `the overlapping case should be loose: ${a.vadeKl} vs ${a.trueKl}`);
  // Far apart: the code sits in one component, and the bound is that component's KL and −log π.
  const far = mixture([[-10, 0], [10, 0], [0, 10]], undefined, [0, Math.log(3), 0]);
  const b = check(far, [9.5, 0.5], [0.5, 0.5]);
  assert.ok(Math.abs(b.vadeKl - b.trueKl) < 0.02, `${b.vadeKl} vs ${b.trueKl}`);
  const own = tf.sum(klElements(tf.tensor2d([[-0.5, 0.5]]), tf.tensor2d([[0.5, 0.5]]), 0)).dataSync()[0];
  assert.ok(Math.abs(b.vadeKl - (own - Math.log(3 / 5))) < 1e-3, `${b.vadeKl} vs ${own - Math.log(3 / 5)}`);
  near.dispose();
  far.dispose();
});

test("the KL's gradient pulls a code to its nearest component's mean", () => {
  const prior = mixture([[-3, 0], [3, 0], [0, 3]]);
  const mean = tf.variable(tf.tensor2d([[2.2, 0.9], [-0.5, 2.2]]));
  const sigma = tf.fill([2, 2], 0.1) as tf.Tensor2D;
  const optimizer = tf.train.sgd(0.05);
  for (let i = 0; i < 300; i++) optimizer.minimize(() => tf.sum(prior.kl(mean, sigma, mean)) as tf.Scalar, false, [mean]);
  assert.ok(maxAbsDiff(mean.dataSync(), [3, 0, 0, 3]) < 0.05, Array.from(mean.dataSync()).join(', '));
  assert.deepEqual(Array.from(prior.assign(Float32Array.from([2.2, 0.9, -0.5, 2.2, -4, 1]))), [1, 2, 0]);
  prior.dispose();
  mean.dispose();
});

test('fit places the components on the clusters of the codes: means, spreads and shares', () => {
  const rng = new Rng(2);
  const centres = [[-5, 0], [5, 0], [0, 8]];
  const shares = [0.5, 0.3, 0.2];
  const codes: number[] = [];
  shares.forEach((share, c) => {
    for (let i = 0; i < share * 2000; i++) codes.push(centres[c][0] + 0.5 * rng.normal(), centres[c][1] + 0.3 * rng.normal());
  });
  const prior = new MixturePrior(3, 2, new Rng(0));
  prior.fit(Float32Array.from(codes), new Rng(5));
  const means = prior.means.arraySync();
  const scales = tf.exp(prior.logScales).arraySync() as number[][];
  const weights = tf.softmax(prior.logits).arraySync() as number[];
  centres.forEach((centre, c) => {
    const k = means.findIndex((m) => Math.hypot(m[0] - centre[0], m[1] - centre[1]) < 0.1);
    assert.ok(k >= 0, `no component at ${centre}: ${JSON.stringify(means)}`);
    assert.ok(Math.abs(scales[k][0] - 0.5) < 0.05 && Math.abs(scales[k][1] - 0.3) < 0.05, JSON.stringify(scales[k]));
    assert.ok(Math.abs(weights[k] - shares[c]) < 1e-3, `${weights[k]} vs ${shares[c]}`);
  });
  prior.dispose();
});

test("a model with one N(0, 1) component has the normal prior's loss, per latent weights included", () => {
  const config = tinyConfig(8);
  const withKlWarp = { ...config, loss: { ...config.loss, klWarp: 0.5 } };
  for (const c of [config, withKlWarp]) {
    const plain = new AffineVAE(c, { seed: 3 });
    const mixed = new AffineVAE({ ...c, mixture: 1 }, { seed: 3 });
    mixed.prior!.means.assign(tf.zerosLike(mixed.prior!.means));
    const rng = new Rng(1);
    const x = tf.tensor2d(Float32Array.from({ length: 3 * 784 }, () => rng.uniform()), [3, 784]);
    const labels = tf.tensor1d([1, 2, 3], 'int32');
    const eps = tf.randomNormal([3, plain.latent], 0, 1, 'float32', 2) as tf.Tensor2D;
    const a = objective(plain, x, labels, eps, 3, { training: false });
    const b = objective(mixed, x, labels, eps, 3, { training: false });
    for (const part of ['kl', 'klNats', 'total'] as const) {
      const [u, v] = [a[part].dataSync()[0], b[part].dataSync()[0]];
      assert.ok(Math.abs(u - v) <= 1e-5 * Math.abs(u), `${part}: ${u} vs ${v}`);
    }
    // Every variable, the prior's included, gets a gradient.
    const { grads } = tf.variableGrads(() => objective(mixed, x, labels, eps, 3).total, mixed.variables);
    assert.equal(Object.keys(grads).length, mixed.variables.length);
    assert.ok(tf.sum(tf.abs(grads[mixed.prior!.means.name])).dataSync()[0] > 0);
    plain.dispose();
    mixed.dispose();
  }
});

test('a mixture model saves and loads; a manifest without the prior, or a bad size, is refused', async () => {
  const dir = tempDir();
  const model = new AffineVAE({ ...tinyConfig(8), mixture: 4 }, { seed: 1 });
  model.prior!.logits.assign(tf.tensor1d([0.1, 0.2, 0.3, 0.4]));
  await saveModelDir(model, dir);
  const loaded = await loadModelDir(dir);
  assert.equal(loaded.config.mixture, 4);
  assert.deepEqual(Array.from(loaded.prior!.logits.dataSync()), Array.from(model.prior!.logits.dataSync()));
  const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 7) / 7);
  assert.deepEqual(loaded.components(x), model.components(x));
  assert.equal(new AffineVAE(tinyConfig(8)).components(x), null);

  // The config asks for a mixture that the weights do not hold.
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  json.modelTopology.config.mixture = 5;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(loadModelDir(dir), /weight 'prior\/means' has shape \[4,\d+\], the config builds \[5,\d+\]/);
  json.modelTopology.config.mixture = 1.5;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(loadModelDir(dir), /mixture must be an integer from 1 to 256 components, got 1\.5/);
  delete json.modelTopology.config.mixture;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(loadModelDir(dir), /the manifest has a weight 'prior\/means' that the config does not build/);
  assert.throws(() => validateModelConfig({ ...tinyConfig(8), mixture: 0 }), /mixture must be an integer/);
  assert.equal(applyOverrides({ ...tinyConfig(8), mixture: 3 }, { mixture: 0 }).mixture, undefined);
  model.dispose();
  loaded.dispose();
});

test("the prior's units: each latent over its root-mean-square scale within the components, where k-means finds round clusters", () => {
  const prior = new MixturePrior(2, 2, new Rng(0));
  // Latent 0 spreads widely within each component (a style), latent 1 separates the two.
  prior.logScales.assign(tf.tensor2d([Math.log(4), Math.log(0.05), Math.log(3), Math.log(0.1)], [2, 2]));
  const scales = prior.unitScales();
  assert.ok(Math.abs(scales[0] - Math.sqrt((16 + 9) / 2)) < 1e-5 && Math.abs(scales[1] - Math.sqrt((0.0025 + 0.01) / 2)) < 1e-6, String(scales));
  const rng = new Rng(3);
  const labels = Int32Array.from({ length: 200 }, (_, i) => i % 2);
  const codes = Float32Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? rng.uniform() * 20 - 10 : labels[i >> 1] + 0.05 * rng.normal()));
  assert.deepEqual(Array.from(prior.inUnits(codes).slice(0, 4)), [codes[0] / scales[0], codes[1] / scales[1], codes[2] / scales[0], codes[3] / scales[1]].map(Math.fround));
  // In raw units the least-inertia cut runs across the style; in the prior's units it is the true one.
  const raw = matchedAccuracy(kMeans(codes, 2, 2, new Rng(0), 5).assignment, labels);
  const units = matchedAccuracy(kMeans(prior.inUnits(codes), 2, 2, new Rng(0), 5).assignment, labels);
  assert.ok(raw < 0.7 && units === 1, `raw ${raw}, prior's units ${units}`);
  prior.dispose();
});

test("the clustering section scores a mixture model's components beside k-means on its content", async () => {
  const { clusteringResults } = await import('../src/eval/clustering.ts');
  const { loadDataset } = await import('../src/io/datasets.ts');
  const { slice } = await import('../src/data/dataset.ts');
  const { toUnit } = await import('../src/data/pixels.ts');
  const set = slice(loadDataset('mnist', 'test'), 0, 60);
  const model = new AffineVAE({ ...tinyConfig(8), mixture: 10 }, { seed: 2 });
  const x = toUnit(set.images);
  model.fitPrior(x, new Rng(1));
  const rows = clusteringResults([{ name: 'digits', set }], [{ name: 'tiny', model }], { seed: 0, restarts: 1 });
  assert.deepEqual(rows.map((r) => r.features), ['pixels', 'moment-normalized pixels', 'tiny content latents', "tiny content latents, prior's units", 'tiny mixture components']);
  const inUnits = model.prior!.inUnits(model.content(x));
  assert.equal(rows[3].accuracy, matchedAccuracy(kMeans(inUnits, model.config.contentDims, 10, new Rng(0), 1).assignment, set.labels!));
  const mixed = rows[4];
  assert.equal(mixed.accuracy, matchedAccuracy(model.components(x)!, set.labels!));
  assert.ok(mixed.accuracy > 0.1 && mixed.accuracy69 >= mixed.accuracy - 0.2, JSON.stringify(mixed));
  model.dispose();
});

test('train --mixture from a model without one places the prior on its content; --resume keeps it', () => {
  const dir = tempDir();
  const common = ['--limit', '300', '--batch', '50', '--seed', '3', '--hidden', '8'];
  const base = join(dir, 'base');
  assert.equal(cli('train', '--out', base, '--epochs', '1', ...common).status, 0);
  const mixed = join(dir, 'mixed');
  const t = cli('train', '--out', mixed, '--init', base, '--mixture', '3', '--epochs', '1', '--ce-weight', '0', ...common);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /mixture prior: 3 components placed by k-means on the content of 294 training images/);
  const config = JSON.parse(readFileSync(join(mixed, 'model.json'), 'utf8')).modelTopology.config;
  assert.equal(config.mixture, 3);
  const resumed = cli('train', '--out', mixed, '--resume', '--epochs', '2');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.doesNotMatch(resumed.stderr, /mixture prior: .* placed/);
  const contradicted = cli('train', '--out', mixed, '--resume', '--mixture', '4');
  assert.notEqual(contradicted.status, 0);
  assert.match(contradicted.stderr, /--mixture 4 contradicts the checkpoint's 3/);
  const bad = cli('train', '--out', join(dir, 'bad'), '--mixture', '1.5', ...common);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /1\.5/);
});

test('the clustering term is minus the information between code and component: −log K when each code sits in its own even component, 0 when all share one', () => {
  const prior = mixture([[-6, 0], [0, 0], [6, 0]], [[-1, -1], [-1, -1], [-1, -1]]);
  const value = (codes: number[][]) => prior.negInformation(tf.tensor2d(codes)).dataSync()[0];
  // Two codes in each component: sure of it (conditional entropy 0) and balanced (log 3).
  assert.ok(Math.abs(value([[-6, 0], [-6.1, 0.1], [0, 0], [0.1, 0], [6, 0], [6, -0.1]]) + Math.log(3)) < 1e-4);
  // Every code in one component: no information.
  assert.ok(Math.abs(value([[6, 0], [6.1, 0], [5.9, 0.1]])) < 1e-4);
  // By hand, for a code halfway between two components and one sure of the third:
  // γ = (½, ½, 0) and (0, 0, 1); mean H(γ) = ½ log 2; the marginal (¼, ¼, ½) has entropy 1.5 log 2.
  assert.ok(Math.abs(value([[-3, 0], [6, 0]]) - (0.5 * Math.log(2) - 1.5 * Math.log(2))) < 1e-4);
  // IMSAT's balance weighs the evenness μ times: ½ log 2 − 4·1.5 log 2.
  assert.ok(Math.abs(prior.negInformation(tf.tensor2d([[-3, 0], [6, 0]]), 4).dataSync()[0] - (0.5 - 6) * Math.log(2)) < 1e-4);
  prior.dispose();
});

test("the clustering term's gradient splits a crowded component: codes leave it for an empty one", () => {
  const prior = mixture([[-1, 0], [1, 0]], [[0, 0], [0, 0]]);
  // Four codes, all nearer the first component; the balance asks for two in each.
  const codes = tf.variable(tf.tensor2d([[-1.2, 0], [-0.9, 0], [-0.4, 0], [-0.2, 0]]));
  const before = prior.negInformation(codes).dataSync()[0];
  const { grads } = tf.variableGrads(() => prior.negInformation(codes), [codes]);
  const step = grads[codes.name].dataSync();
  // The codes nearest the boundary are pushed across it (towards +x) harder than the far ones.
  assert.ok(step[6] < 0 && step[4] < 0, `the near codes move right: ${Array.from(step)}`);
  assert.ok(Math.abs(step[6]) > Math.abs(step[0]), `${Array.from(step)}`);
  codes.assign(tf.sub(codes, tf.mul(grads[codes.name], 0.5)));
  assert.ok(prior.negInformation(codes).dataSync()[0] < before);
  codes.dispose();
  prior.dispose();
});

test('the clustering weight adds its term to the objective, split across chunks by their share of the batch; it needs a mixture', () => {
  const config = { ...tinyConfig(8), mixture: 3 };
  const base = new AffineVAE(config, { seed: 5 });
  const weighted = new AffineVAE({ ...config, loss: { ...config.loss, cluster: 0.5 } }, { seed: 5 });
  const rng = new Rng(2);
  const x = tf.tensor2d(Float32Array.from({ length: 4 * 784 }, () => rng.uniform()), [4, 784]);
  const labels = tf.tensor1d([1, 2, 3, 4], 'int32');
  const eps = tf.randomNormal([4, base.latent], 0, 1, 'float32', 2) as tf.Tensor2D;
  const a = objective(base, x, labels, eps, 4, { training: false });
  const b = objective(weighted, x, labels, eps, 4, { training: false });
  const content = tf.slice(weighted.encode(x).mean, [0, 0], [-1, config.contentDims]) as tf.Tensor2D;
  const term = weighted.prior!.negInformation(content).dataSync()[0];
  assert.equal(a.cluster.dataSync()[0], 0);
  assert.ok(Math.abs(b.cluster.dataSync()[0] - term) < 1e-5);
  assert.ok(Math.abs(b.total.dataSync()[0] - (a.total.dataSync()[0] + 0.5 * term)) < 1e-5);
  // Two chunks of two: each term is its chunk's, times ½.
  const half = (i: number) =>
    objective(weighted, tf.slice(x, [2 * i, 0], [2, 784]), tf.slice(labels, [2 * i], [2]), tf.slice(eps, [2 * i, 0], [2, -1]), 4, { training: false }).cluster.dataSync()[0];
  const perChunk = [0, 1].map((i) => weighted.prior!.negInformation(tf.slice(content, [2 * i, 0], [2, -1])).dataSync()[0] / 2);
  assert.ok(Math.abs(half(0) + half(1) - (perChunk[0] + perChunk[1])) < 1e-5);
  // The encoder gets the term's gradient: the weighted model's differs from the base's.
  const grad = (m: AffineVAE) => tf.variableGrads(() => objective(m, x, labels, eps, 4).total, m.variables).grads;
  const [ga, gb] = [grad(base), grad(weighted)];
  const first = weighted.variables[0].name;
  assert.ok(maxAbsDiff(ga[base.variables[0].name].dataSync(), gb[first].dataSync()) > 0);
  base.dispose();
  weighted.dispose();
  assert.throws(() => validateModelConfig({ ...tinyConfig(8), loss: { ...tinyConfig(8).loss, cluster: 1 } }), /the cluster loss weight needs a mixture prior/);
  assert.throws(() => validateModelConfig({ ...config, loss: { ...config.loss, cluster: -1 } }), /the cluster loss weight must be a finite number ≥ 0, got -1/);
  assert.equal('cluster' in applyOverrides(config, { cluster: 0 }).loss, false, 'a weight of 0 is no term');
  assert.equal(applyOverrides(config, { cluster: 2 }).loss.cluster, 2);
  // The evenness weight reaches the term the objective adds.
  const balanced = new AffineVAE({ ...config, loss: { ...config.loss, cluster: 0.5, clusterBalance: 4 } }, { seed: 5 });
  const even = objective(balanced, x, labels, eps, 4, { training: false }).cluster.dataSync()[0];
  assert.ok(Math.abs(even - balanced.prior!.negInformation(content, 4).dataSync()[0]) < 1e-5);
  assert.ok(Math.abs(even - term) > 1e-3);
  balanced.dispose();
  assert.throws(() => validateModelConfig({ ...config, loss: { ...config.loss, cluster: 1, clusterBalance: -1 } }), /clusterBalance must be a number in \[0, 100\], got -1/);
});

test('train --cluster-weight needs --mixture, is kept in the model, and --resume refuses another', () => {
  const dir = tempDir();
  const common = ['--limit', '300', '--batch', '50', '--seed', '3', '--hidden', '8', '--ce-weight', '0'];
  const without = cli('train', '--out', join(dir, 'none'), '--cluster-weight', '1', '--epochs', '1', ...common);
  assert.notEqual(without.status, 0);
  assert.match(without.stderr, /the cluster loss weight needs a mixture prior/);
  assert.equal(without.stderr.split('\n').filter((l) => /error/i.test(l)).length, 1, without.stderr);
  const out = join(dir, 'clustered');
  const t = cli('train', '--out', out, '--mixture', '3', '--cluster-weight', '0.01', '--epochs', '1', ...common);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /clustering weight 0\.01/);
  assert.equal(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology.config.loss.cluster, 0.01);
  const contradicted = cli('train', '--out', out, '--resume', '--cluster-weight', '0.02');
  assert.notEqual(contradicted.status, 0);
  assert.match(contradicted.stderr, /--cluster-weight 0\.02 contradicts the checkpoint's 0\.01/);
  const negative = cli('train', '--out', join(dir, 'neg'), '--mixture', '3', '--cluster-weight', '-1', ...common);
  assert.notEqual(negative.status, 0);
  assert.match(negative.stderr, /-1/);
});
