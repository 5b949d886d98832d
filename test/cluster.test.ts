import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hungarian, matchClusters, matchedAccuracy } from '../src/eval/cluster.ts';
import { kMeans, kMeansFrom } from '../src/model/kmeans.ts';
import { activeLatents } from '../src/eval/clustering.ts';
import { Rng } from '../src/model/rng.ts';
import { useBackend } from './helpers.ts';

before(useBackend);

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

test('hungarian: the least total cost, as brute force finds it, on random matrices', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 40; trial++) {
    const n = 1 + (trial % 6);
    const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.round(rng.uniform() * 20) - 10));
    const match = hungarian(cost);
    assert.deepEqual([...match].sort(), Array.from({ length: n }, (_, i) => i), 'a permutation');
    const total = (p: number[]) => p.reduce((s, j, i) => s + cost[i][j], 0);
    const best = Math.min(...permutations(n).map(total));
    assert.equal(total(match), best, `trial ${trial}`);
  }
});

test('matchedAccuracy: renamed clusters score 1; merged classes lose the smaller one; more clusters than classes', () => {
  const labels = [0, 0, 1, 1, 2, 2, 2];
  assert.equal(matchedAccuracy([2, 2, 0, 0, 1, 1, 1], labels), 1);
  assert.equal(matchedAccuracy([0, 0, 0, 0, 1, 1, 1], labels), 5 / 7);
  assert.equal(matchedAccuracy([3, 3, 0, 0, 1, 1, 2], labels), 6 / 7);
});

test('matchClusters: what each class is read as, through the same matching; a spare cluster counts in the last column', () => {
  // Cluster 0 holds three 0s and a 1, so it matches 0; clusters 1 and 2 match 1 and 2.
  const merged = matchClusters([0, 0, 0, 0, 1, 2, 2], [0, 0, 0, 1, 1, 2, 2]);
  assert.equal(merged.accuracy, 6 / 7);
  assert.deepEqual(merged.readAs, [
    [3, 0, 0, 0],
    [1, 1, 0, 0],
    [0, 0, 2, 0],
  ]);
  // Four clusters, three classes: one 2 sits alone in cluster 2, which matches no class.
  const spare = matchClusters([3, 3, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2, 2]);
  assert.equal(spare.accuracy, 6 / 7);
  assert.deepEqual(spare.readAs, [
    [2, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 2, 1],
  ]);
  for (const [a, l] of [[[2, 2, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2, 2]], [[1, 0, 1, 0, 1], [0, 0, 1, 1, 1]]]) {
    const m = matchClusters(a, l);
    assert.equal(m.accuracy, m.readAs.reduce((s, row, c) => s + row[c], 0) / a.length, 'the diagonal is the accuracy');
    assert.equal(m.accuracy, matchedAccuracy(a, l));
  }
});

test("report: the clustering section says what the model's content clusters read each digit as", async () => {
  const { poseAndClusteringSections } = await import('../src/eval/report.ts');
  const row = (set: string, features: string, readAs: number[][]) => ({ set, features, sawLabels: false, accuracy: 0, readAs, accuracy69: 0, activeLatents: null, poseShift: null });
  // Two digits: 4 of 10 zeros read as 1 on the first set; on the second, the 1s split between 1 and a spare cluster.
  const lines = poseAndClusteringSections({
    clustering: [
      row('upright', 'pixels', [[10, 0, 0], [0, 10, 0]]),
      row('upright', 'model content latents', [[6, 4, 0], [0, 10, 0]]),
      row('MNIST(U)', 'model content latents', [[10, 0, 0], [0, 7, 3]]),
    ],
  } as never).join('\n');
  assert.match(lines, /\| digit \| upright \| MNIST\(U\) \|/);
  assert.match(lines, /\| 0 \| 60% · 1: 40% \| 100% \|/);
  assert.match(lines, /\| 1 \| 100% \| 70% · spare: 30% \|/);
  assert.equal((lines.match(/^\| [01] \|/gm) ?? []).length, 2, 'one row a digit, from the model rows only');
});

test('kMeans: separated blobs are found exactly whatever their order; restarts never raise the inertia', () => {
  const rng = new Rng(3);
  const centres = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]];
  const labels: number[] = [];
  const points: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = (i * 7) % 4;
    labels.push(c);
    points.push(...centres[c].map((v) => v + rng.normal()));
  }
  const x = Float32Array.from(points);
  const one = kMeans(x, 3, 4, new Rng(1), 1);
  const many = kMeans(x, 3, 4, new Rng(1), 8);
  assert.equal(matchedAccuracy(many.assignment, labels), 1);
  assert.ok(many.inertia <= one.inertia + 1e-6);
  // About d·n = 600 for unit-variance noise around the true centres.
  assert.ok(many.inertia > 400 && many.inertia < 800, `inertia ${many.inertia}`);
  assert.throws(() => kMeans(x.subarray(0, 6), 3, 4, new Rng(1)), /at least 4 points/);
  // From chosen centres: near the true ones it ends on the blobs, in the order it was given,
  // and leaves the start as it was.
  const start = Float32Array.from([9, 1, 0, 1, 9, 0, 1, 1, 9, 1, 1, 1]);
  const from = kMeansFrom(x, 3, start);
  assert.deepEqual(Array.from(from.assignment), labels.map((c) => [3, 0, 1, 2][c]));
  assert.deepEqual(Array.from(start), [9, 1, 0, 1, 9, 0, 1, 1, 9, 1, 1, 1]);
  assert.ok(Math.abs(from.inertia - many.inertia) < 1e-3 * many.inertia);
  // Two starts in one blob and one between two others: Lloyd's iterations keep that local optimum.
  const stuck = kMeansFrom(x, 3, Float32Array.from([0, 0, 0, 10, 0.5, 0, 10, -0.5, 0, 0, 5, 5]));
  assert.ok(matchedAccuracy(stuck.assignment, labels) < 1 && stuck.inertia > many.inertia);
});

test('activeLatents counts the latents whose values vary over the set (sd above 0.1)', () => {
  const rng = new Rng(5);
  // Four latents: unit spread, spread 0.3, spread 0.05 (collapsed), and a constant.
  const x = Float32Array.from({ length: 4 * 500 }, (_, i) => [rng.normal(), 0.3 * rng.normal(), 0.05 * rng.normal() + 2, 7][i % 4]);
  assert.equal(activeLatents(x, 4), 2);
  assert.equal(activeLatents(new Float32Array(30), 3), 0);
});

test('relativeShift: 0 for the same features, about 2 for unrelated ones; clustering rows say how far the pose moves each feature', async () => {
  const { clusteringResults, relativeShift } = await import('../src/eval/clustering.ts');
  const rng = new Rng(5);
  const b = Float32Array.from(rng.normals(4000));
  assert.equal(relativeShift(b, b, 4), 0);
  const unrelated = Float32Array.from(rng.normals(4000));
  assert.ok(Math.abs(relativeShift(unrelated, b, 4) - 2) < 0.2, `${relativeShift(unrelated, b, 4)}`);
  const { loadDataset } = await import('../src/io/datasets.ts');
  const { slice } = await import('../src/data/dataset.ts');
  const upright = slice(loadDataset('mnist-pose:upright', 'test'), 0, 60);
  const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, 60);
  const rows = clusteringResults(
    [
      { name: 'upright', set: upright },
      { name: 'copy', set: upright },
      { name: 'posed', set: posed },
    ],
    [],
    { seed: 0, restarts: 1, reference: 'upright' },
  );
  const shift = (set: string, features: string) => rows.find((r) => r.set === set && r.features === features)!.poseShift;
  assert.equal(shift('upright', 'pixels'), null);
  assert.equal(shift('copy', 'pixels'), 0);
  // Turned anywhere on the circle and shifted, a digit's pixels are about as far from its upright self as from another digit.
  assert.ok(shift('posed', 'pixels')! > 1.5, `${shift('posed', 'pixels')}`);
  assert.ok(shift('posed', 'moment-normalized pixels')! < shift('posed', 'pixels')!);
  assert.throws(() => clusteringResults([{ name: 'upright', set: upright }, { name: 'short', set: slice(posed, 0, 30) }], [], { seed: 0, restarts: 1, reference: 'upright' }), /short holds 30 images, its reference upright 60/);
});

test('clustering rows with labelled references carry a labelled 1-NN read of the same features: each feature against its own kind, near chance when the labels are shuffled', async () => {
  const { clusteringResults } = await import('../src/eval/clustering.ts');
  const { nearestNeighbourAccuracy } = await import('../src/eval/suite.ts');
  const { loadDataset } = await import('../src/io/datasets.ts');
  const { slice } = await import('../src/data/dataset.ts');
  const { toUnit } = await import('../src/data/pixels.ts');
  const { AffineVAE } = await import('../src/model/vae.ts');
  const { tinyConfig } = await import('./helpers.ts');
  const part = (spec: string, split: 'train' | 'test', n: number) => slice(loadDataset(spec, split), 0, n);
  const [upright, uprightRefs] = [part('mnist-pose:upright', 'test', 100), part('mnist-pose:upright', 'train', 600)];
  const [posed, posedRefs] = [part('mnist-pose:U', 'test', 100), part('mnist-pose:U', 'train', 600)];
  const model = new AffineVAE(tinyConfig(8, { height: 50, width: 50 }), { seed: 1 });
  const rows = clusteringResults(
    [
      { name: 'upright', set: upright, references: uprightRefs },
      { name: 'posed', set: posed, references: posedRefs },
      { name: 'bare', set: upright },
    ],
    [{ name: 'tiny', model }],
    { seed: 0, restarts: 1 },
  );
  const read = (set: string, features: string) => rows.find((r) => r.set === set && r.features === features)!.nearestNeighbour;
  // The model's row reads its content of the set against its content of the references.
  assert.equal(read('upright', 'tiny content latents'), nearestNeighbourAccuracy(model.content(toUnit(upright.images)), upright.labels!, model.content(toUnit(uprightRefs.images)), uprightRefs.labels!, model.config.contentDims));
  // Upright digits are found by their pixels; turned anywhere and shifted, much less so, and turning them back by their moments recovers part of it.
  assert.ok(read('upright', 'pixels')! > 0.7, `${read('upright', 'pixels')}`);
  assert.ok(read('posed', 'pixels')! < read('upright', 'pixels')! - 0.3, `${read('posed', 'pixels')}`);
  assert.ok(read('posed', 'moment-normalized pixels')! > read('posed', 'pixels')!, `${read('posed', 'moment-normalized pixels')}`);
  assert.ok(rows.filter((r) => r.set === 'bare').every((r) => r.nearestNeighbour === null));
  // Shuffled reference labels carry nothing: about one in ten.
  const rng = new Rng(4);
  const shuffled = { ...uprightRefs, labels: Uint8Array.from(uprightRefs.labels!, () => Math.floor(rng.uniform() * 10)) };
  const blind = clusteringResults([{ name: 'upright', set: upright, references: shuffled }], [], { seed: 0, restarts: 1 });
  assert.ok(blind[0].nearestNeighbour! < 0.3, `${blind[0].nearestNeighbour}`);
  assert.throws(() => clusteringResults([{ name: 'upright', set: upright, references: { ...uprightRefs, labels: undefined } }], [], { seed: 0, restarts: 1 }), /upright's references must be labelled images of 2500 values/);
  assert.throws(() => clusteringResults([{ name: 'upright', set: upright, references: part('mnist', 'train', 20) }], [], { seed: 0, restarts: 1 }), /upright's references must be labelled images of 2500 values/);
  model.dispose();
});
