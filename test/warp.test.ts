import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { AffineVAE } from '../src/model/vae.ts';
import { Rng } from '../src/model/rng.ts';
import { objective, priorScales } from '../src/objective/objective.ts';
import { gridValues, linspace, warpAffine, warpGrid } from '../src/model/warp.ts';
import type { WarpFamily } from '../src/model/warps/family.ts';
import { BUILTIN_WARPS, registerWarpFamily, warpFamily, warpFamilyNames } from '../src/model/warps/registry.ts';
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
  const coords = warpGrid(grid, warpAffine('seed', tf.zeros([2, 6]), 0.1));
  assert.deepEqual(coords.shape, [2, 25, 2]);
  assert.equal(maxAbsDiff(coords.dataSync(), [...grid.dataSync(), ...grid.dataSync()]), 0);
});

test('a hand-computed case: [y, x, 1] @ (0.1·P3 + I), row vector', () => {
  // p = [1, 2, 3, 4, 5, 6] -> M = [[1.1, 0.2, 0.3], [0.4, 1.5, 0.6], [0, 0, 1]]
  // (y, x) = (0.5, -1): y' = 0.5·1.1 + (-1)·0.4 = 0.15; x' = 0.5·0.2 + (-1)·1.5 = -1.4
  const grid = tf.tensor2d([0.5, -1], [1, 2]);
  const coords = warpGrid(grid, warpAffine('seed', tf.tensor2d([[1, 2, 3, 4, 5, 6]]), 0.1)).dataSync();
  assert.ok(Math.abs(coords[0] - 0.15) < 1e-6, `y' = ${coords[0]}`);
  assert.ok(Math.abs(coords[1] + 1.4) < 1e-6, `x' = ${coords[1]}`);
});

test('p[2] and p[5] are inert in the seed preset (coordinates and decoded images)', () => {
  const grid = tf.tensor2d(gridValues(6, 6), [36, 2]);
  const a = warpGrid(grid, warpAffine('seed', tf.tensor2d([[0.3, -0.2, 0, 0.5, 0.1, 0]]), 0.1)).dataSync();
  const b = warpGrid(grid, warpAffine('seed', tf.tensor2d([[0.3, -0.2, 9, 0.5, 0.1, -7]]), 0.1)).dataSync();
  assert.equal(maxAbsDiff(a, b), 0);
  const c = warpGrid(grid, warpAffine('seed', tf.tensor2d([[0.3, -0.2, 0, 0.5, 0.4, 0]]), 0.1)).dataSync();
  assert.ok(maxAbsDiff(a, c) > 0.01, 'p[4] does act');

  const model = new AffineVAE(tinyConfig(8), { seed: 3 });
  const z = tf.randomNormal([2, 16], 0, 1, 'float32', 5).arraySync() as number[][];
  const z2 = z.map((row) => row.map((v, i) => (i === 10 + 2 || i === 10 + 5 ? v + 5 : v)));
  const d1 = model.decode(tf.tensor2d(z), true).dataSync();
  const d2 = model.decode(tf.tensor2d(z2), true).dataSync();
  assert.equal(maxAbsDiff(d1, d2), 0);
  model.dispose();
});

test('normalization ignores the warp; reconstruction uses it', () => {
  const model = new AffineVAE(tinyConfig(8), { seed: 4 });
  const z = tf.tensor2d([[...Array(10).fill(0.2), 3, -2, 0, 1, 2, 0]]);
  const zNoWarp = tf.tensor2d([[...Array(10).fill(0.2), 0, 0, 0, 0, 0, 0]]);
  assert.equal(maxAbsDiff(model.decode(z, false).dataSync(), model.decode(zNoWarp, true).dataSync()), 0);
  assert.ok(maxAbsDiff(model.decode(z, true).dataSync(), model.decode(zNoWarp, true).dataSync()) > 1e-4);
  model.dispose();
});

test('affine preset: (x\', y\')ᵀ = (I + s·[[p0, p1], [p2, p3]])·(x, y)ᵀ + s·(p4, p5), hand-computed', () => {
  // M = [[1.1, 0.2], [0.3, 1.4]], t = (0.5, 0.6); (x, y) = (−1, 0.5) -> x' = −0.5, y' = 1.0
  const coords = warpGrid(tf.tensor2d([0.5, -1], [1, 2]), warpAffine('affine', tf.tensor2d([[1, 2, 3, 4, 5, 6]]), 0.1)).dataSync();
  assert.ok(Math.abs(coords[0] - 1.0) < 1e-6 && Math.abs(coords[1] + 0.5) < 1e-6, `${coords}`);
});

test('rotation presets: R(θ) on (x, y), then the translation', () => {
  // θ = π/2 takes (x, y) = (1, 0) to (0, 1): grid point (y, x) = (0, 1) samples (y', x') = (1, 0).
  const r = warpGrid(tf.tensor2d([0, 1], [1, 2]), warpAffine('rotation', tf.tensor2d([[Math.PI / 2]]), 0.1)).dataSync();
  assert.ok(Math.abs(r[0] - 1) < 1e-6 && Math.abs(r[1]) < 1e-6, `${r}`);
  const t = warpGrid(tf.tensor2d([0.3, -0.2], [1, 2]), warpAffine('rotation-translation', tf.tensor2d([[0, 0.2, -0.1]]), 0.1)).dataSync();
  assert.ok(Math.abs(t[0] - 0.2) < 1e-6 && Math.abs(t[1] - 0) < 1e-6, `${t}`); // y − 0.1, x + 0.2
});

test('the seed warp passes no gradient to p2 and p5', () => {
  const g = tf.grad((p: tf.Tensor) => tf.sum(tf.square(warpGrid(tf.tensor2d(gridValues(4, 4), [16, 2]), warpAffine('seed', p as tf.Tensor2D, 0.1)))))(
    tf.tensor2d([[0.3, -0.2, 0.4, 0.5, 0.1, 0.7]]),
  ).dataSync();
  assert.deepEqual([g[2], g[5]], [0, 0]);
  assert.ok(Math.abs(g[0]) > 0 && Math.abs(g[4]) > 0);
});

test('rendering at 28 equals normal decoding; at 55 it keeps the training pixels on its even grid points', () => {
  const model = new AffineVAE(tinyConfig(8), { seed: 6 });
  const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 7) / 7);
  assert.deepEqual(Array.from(model.render(x, 28, false)), Array.from(model.normalize(x)));
  assert.deepEqual(Array.from(model.render(x, 28, true)), Array.from(model.reconstruct(x)));
  // linspace(−1, 1, 55) holds every point of linspace(−1, 1, 28) at even indices.
  const fine = model.render(x, 55, false);
  const coarse = model.normalize(x);
  assert.equal(fine.length, 2 * 55 * 55);
  assert.ok(maxAbsDiff([fine[0], fine[2 * 55 + 4], fine[54 * 55 + 54]], [coarse[0], coarse[1 * 28 + 2], coarse[27 * 28 + 27]]) < 1e-6);
  model.dispose();
});

test('each family names exactly the warp latents that move the affine map, and offers sliders only for those', () => {
  for (const name of BUILTIN_WARPS) {
    const family = warpFamily(name);
    const dims = family.latents.length;
    const base = family.toAffine(tf.zeros([1, dims]), 0.1).dataSync();
    family.latents.forEach((latent, k) => {
      const p = new Float32Array(dims);
      p[k] = 0.5;
      const moved = family.toAffine(tf.tensor2d(p, [1, dims]), 0.1).dataSync();
      const acts = moved.some((v, i) => Math.abs(v - base[i]) > 1e-6);
      assert.equal(acts, latent.name !== null, `${name} latent ${k} (${latent.name})`);
      assert.equal(latent.slider !== null, latent.name !== null, `${name} latent ${k}: a slider only for a latent that acts`);
    });
    // The angle latent, where there is one, turns the map by exactly the offset.
    if (family.angle !== null) {
      const p = new Float32Array(dims);
      p[family.angle] = Math.PI / 2;
      const a = family.toAffine(tf.tensor2d(p, [1, dims]), 0.1).dataSync();
      assert.ok(Math.abs(a[0]) < 1e-6 && Math.abs(a[1] + 1) < 1e-6, `${name}: ${a}`);
    }
  }
});

test('a family is one object: a toy one registers, builds, trains a step and reports its prior', async () => {
  // A pure isotropic scale: a0 = a3 = exp(p0). One object, one registration call.
  const zoom: WarpFamily = {
    name: 'toy-zoom',
    latents: [{ name: 'log scale', prior: 'translation', slider: { min: -1, max: 1 } }],
    angle: null,
    toAffine: (warp) =>
      tf.tidy(() => {
        const s = tf.exp(warp);
        const z = tf.zerosLike(s);
        return tf.concat([s, z, z, s, z, z], 1) as tf.Tensor2D;
      }),
  };
  registerWarpFamily(zoom);
  registerWarpFamily(zoom); // the same object again: nothing happens
  assert.ok(warpFamilyNames().includes('toy-zoom'));
  assert.throws(() => registerWarpFamily({ ...zoom }), /already registered/);
  assert.throws(() => registerWarpFamily({ ...zoom, name: 'Bad Name' }), /lower-case/);
  assert.throws(() => registerWarpFamily({ ...zoom, name: 'toy-angle', angle: 3 }), /not one of its latents/);
  assert.throws(() => warpFamily('no-such-warp'), /unknown warp 'no-such-warp' \(known: seed, affine, rotation, rotation-translation, rotation-affine, none, toy-zoom\)/);

  const config = { ...tinyConfig(8), warp: 'toy-zoom', warpDims: 1, priors: { rotation: 0.5, translation: 0.25 } };
  const model = new AffineVAE(config, { seed: 2 });
  assert.equal(model.latent, config.contentDims + 1);
  assert.deepEqual(Array.from(priorScales(model)).slice(-2), [1, 0.25]);
  // Its pose read-out goes through the same affine map: the decoder samples the canonical image
  // at exp(0.3)·g, so the observed digit is the canonical one shrunk by exp(−0.3) on both axes.
  const [pose] = model.poseOf(Float32Array.from([...new Array(config.contentDims).fill(0), 0.3]));
  assert.ok(Math.abs(pose.scaleX - Math.exp(-0.3)) < 1e-5 && Math.abs(pose.scaleY - Math.exp(-0.3)) < 1e-5, JSON.stringify(pose));
  assert.throws(() => new AffineVAE({ ...config, warpDims: 2 }, { seed: 2 }), /reads 1 warp latents/);
  // The objective trains through it: a finite loss, and a gradient that reaches the encoder.
  const x = tf.tensor2d(Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 9) / 9), [2, 784]);
  const eps = tf.tensor2d(new Rng(1).normals(2 * model.latent), [2, model.latent]);
  const { value, grads } = tf.variableGrads(() => objective(model, x, tf.tensor1d([1, 2], 'int32'), eps, 2).total, model.variables);
  assert.ok(Number.isFinite(value.dataSync()[0]));
  assert.ok(tf.max(tf.abs(grads[model.encoderMean.kernel.name])).dataSync()[0] > 0);
  model.dispose();
});

test('the none warp is a plain VAE: no warp latents, reconstruction equals normalization, a training step runs', async () => {
  const { buildModelConfig } = await import('../src/model/config.ts');
  const { objective } = await import('../src/objective/objective.ts');
  const config = buildModelConfig('none', { hidden: 16 });
  assert.equal(config.warpDims, 0);
  const model = new AffineVAE(config, { seed: 4 });
  assert.equal(model.latent, config.contentDims);
  const x = new Float32Array(3 * 784).map((_, i) => ((i * 31) % 97) / 97);
  assert.deepEqual(model.reconstruct(x), model.normalize(x));
  const pose = model.inferTransform(x)[0];
  assert.deepEqual([pose.rotation, pose.scaleX, pose.scaleY, pose.shear, pose.translateX, pose.translateY].map((v) => v + 0), [0, 1, 1, 0, 0, 0]);
  const { value, grads } = tf.variableGrads(() =>
    objective(model, tf.tensor2d(x, [3, 784]), tf.tensor1d([1, 2, 3], 'int32'), tf.randomNormal([3, model.latent], 0, 1, 'float32', 1) as tf.Tensor2D, 3).total,
  );
  assert.ok(Number.isFinite(value.dataSync()[0]));
  assert.ok(Object.values(grads).some((g) => tf.any(tf.notEqual(g, 0)).dataSync()[0]), 'some weights get a gradient');
  model.dispose();
});

test('rotation-affine: with no shape it is rotation-translation; turning the input changes only θ, whatever the shape', () => {
  const family = warpFamily('rotation-affine');
  const plain = warpFamily('rotation-translation');
  const rng = new Rng(3);
  const w = Array.from({ length: 5 }, () => [rng.normal(), 0.2 * rng.normal(), 0.2 * rng.normal(), rng.normal(), rng.normal(), rng.normal()]);
  const noShape = w.map((r) => [...r.slice(0, 3), 0, 0, 0]);
  assert.ok(maxAbsDiff(family.toAffine(tf.tensor2d(noShape), 0.2).dataSync(), plain.toAffine(tf.tensor2d(w.map((r) => r.slice(0, 3))), 0.2).dataSync()) < 1e-6);
  // A(θ + φ) = R(φ)·A(θ) (rows (y, x)): a turn of the grid composes on the left of the shape.
  const phi = 0.7;
  const a = family.toAffine(tf.tensor2d(w), 0.2).arraySync() as number[][];
  const turned = family.toAffine(tf.tensor2d(w.map((r) => [r[0] + phi, ...r.slice(1)])), 0.2).arraySync() as number[][];
  const [c, s] = [Math.cos(phi), Math.sin(phi)];
  a.forEach((m, i) => {
    const expected = [c * m[0] - s * m[2], c * m[1] - s * m[3], s * m[0] + c * m[2], s * m[1] + c * m[3], m[4], m[5]];
    assert.ok(maxAbsDiff(turned[i], expected) < 1e-5, `${turned[i]} vs ${expected}`);
  });
  // The shape: stretches along y and x and a slant of x by y, scaled by warpScale.
  const shapeOnly = family.toAffine(tf.tensor2d([[0, 0, 0, 1, -1, 0.5]]), 0.2).dataSync();
  assert.ok(maxAbsDiff(shapeOnly, [1.2, 0.1, 0, 0.8, 0, 0]) < 1e-6, `${shapeOnly}`);
});
