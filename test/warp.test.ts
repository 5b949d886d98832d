import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { AffineVAE } from '../src/model/vae.ts';
import { gridValues, linspace, warpGrid } from '../src/model/warp.ts';
import { maxAbsDiff, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

test('the grid holds (y, x) from linspace(-1, 1), row-major', () => {
  const g = gridValues(3, 4);
  // pixel (iy=1, ix=2): y = 0, x = linspace(-1,1,4)[2] = 1/3
  assert.equal(g[2 * (1 * 4 + 2)], 0);
  assert.ok(Math.abs(g[2 * (1 * 4 + 2) + 1] - 1 / 3) < 1e-7);
  assert.equal(g[0], -1);
  assert.equal(g[g.length - 1], 1);
  assert.deepEqual(Array.from(linspace(-1, 1, 3)), [-1, 0, 1]);
});

test('the warp is the identity when p = 0', () => {
  const grid = tf.tensor2d(gridValues(5, 5), [25, 2]);
  const coords = warpGrid(grid, tf.zeros([2, 6]), 0.1);
  assert.deepEqual(coords.shape, [2, 25, 2]);
  assert.equal(maxAbsDiff(coords.dataSync(), [...grid.dataSync(), ...grid.dataSync()]), 0);
});

test('a hand-computed case: [y, x, 1] @ (0.1·P3 + I), row vector', () => {
  // p = [1, 2, 3, 4, 5, 6] -> M = [[1.1, 0.2, 0.3], [0.4, 1.5, 0.6], [0, 0, 1]]
  // (y, x) = (0.5, -1): y' = 0.5·1.1 + (-1)·0.4 = 0.15; x' = 0.5·0.2 + (-1)·1.5 = -1.4
  const grid = tf.tensor2d([0.5, -1], [1, 2]);
  const coords = warpGrid(grid, tf.tensor2d([[1, 2, 3, 4, 5, 6]]), 0.1).dataSync();
  assert.ok(Math.abs(coords[0] - 0.15) < 1e-6, `y' = ${coords[0]}`);
  assert.ok(Math.abs(coords[1] + 1.4) < 1e-6, `x' = ${coords[1]}`);
});

test('p[2] and p[5] are inert in the seed preset (coordinates and decoded images)', () => {
  const grid = tf.tensor2d(gridValues(6, 6), [36, 2]);
  const a = warpGrid(grid, tf.tensor2d([[0.3, -0.2, 0, 0.5, 0.1, 0]]), 0.1).dataSync();
  const b = warpGrid(grid, tf.tensor2d([[0.3, -0.2, 9, 0.5, 0.1, -7]]), 0.1).dataSync();
  assert.equal(maxAbsDiff(a, b), 0);
  const c = warpGrid(grid, tf.tensor2d([[0.3, -0.2, 0, 0.5, 0.4, 0]]), 0.1).dataSync();
  assert.ok(maxAbsDiff(a, c) > 0.01, 'p[4] does act');

  const model = new AffineVAE(tinyConfig(8), 3);
  const z = tf.randomNormal([2, 16], 0, 1, 'float32', 5).arraySync() as number[][];
  const z2 = z.map((row) => row.map((v, i) => (i === 10 + 2 || i === 10 + 5 ? v + 5 : v)));
  const d1 = model.decode(tf.tensor2d(z), true).dataSync();
  const d2 = model.decode(tf.tensor2d(z2), true).dataSync();
  assert.equal(maxAbsDiff(d1, d2), 0);
  model.dispose();
});

test('normalization ignores the warp; reconstruction uses it', () => {
  const model = new AffineVAE(tinyConfig(8), 4);
  const z = tf.tensor2d([[...Array(10).fill(0.2), 3, -2, 0, 1, 2, 0]]);
  const zNoWarp = tf.tensor2d([[...Array(10).fill(0.2), 0, 0, 0, 0, 0, 0]]);
  assert.equal(maxAbsDiff(model.decode(z, false).dataSync(), model.decode(zNoWarp, true).dataSync()), 0);
  assert.ok(maxAbsDiff(model.decode(z, true).dataSync(), model.decode(zNoWarp, true).dataSync()) > 1e-4);
  model.dispose();
});
