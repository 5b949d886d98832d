import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { buildModelConfig } from '../src/model/config.ts';
import { halfTurnIndices, quarterTurnIndices, rotationMatrix, transformImages } from '../src/model/transform-images.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { tfjsEngine } from '../src/model/engine.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { maxAbsDiff, useBackend } from './helpers.ts';

before(useBackend);

const config = (angleSearch: number) => ({ ...buildModelConfig('rotation-translation', { hidden: 32, angleSearch }), height: 50, width: 50 });

test('angle search: each image gets the candidate turn whose reading reconstructs it best, and the posterior is that reading turned back', () => {
  const model = new AffineVAE(config(6), { seed: 5 });
  const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, 12);
  const x = toUnit(posed.images);
  const points = Int32Array.from({ length: 300 }, (_, i) => (i * 8) % 2500);
  const turns = model.searchAngles(x, points);
  // By hand: for each candidate, encode the turned images, turn the angle back, decode, compare.
  const errors = [0, 60, 120, 180, 240, 300].map((alpha) => {
    const turned = transformImages(x, 12, 50, 50, new Array(12).fill(rotationMatrix(alpha)));
    return tf.tidy(() => {
      const mean = model.encode(tf.tensor2d(turned, [12, 2500])).mean;
      const { content, warp } = model.split(mean);
      const back = model.offsetAngle(warp, tf.fill([12], (-alpha * Math.PI) / 180) as tf.Tensor1D);
      const grid = tf.gather(model.grid, tf.tensor1d(points, 'int32'));
      const y = tfjsEngine.decode(model.decoder, content, model.affineOf(back), grid);
      const target = tf.gather(tf.tensor2d(x, [12, 2500]), tf.tensor1d(points, 'int32'), 1);
      return Array.from(tf.sum(tf.square(tf.sub(y, target)), 1).dataSync());
    });
  });
  const expected = Array.from({ length: 12 }, (_, i) => 60 * errors.reduce((b, e, k) => (e[i] < errors[b][i] ? k : b), 0));
  assert.deepEqual(Array.from(turns), expected);
  assert.ok(new Set(expected).size > 1, 'an untrained model still prefers different turns for different images');

  // The posterior: the encoder's reading of each image turned by its searched angle, the angle latent turned back.
  const searched = model.posterior(x).mean;
  const plain = new AffineVAE(config(0), { seed: 5 });
  const chosen = model.searchAngles(x); // on the default points, as the posterior searches
  const turned = transformImages(x, 12, 50, 50, Array.from(chosen, rotationMatrix));
  const direct = plain.posterior(turned).mean;
  const l = model.latent;
  const angle = model.config.contentDims + model.warpFamily.angle!;
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < l; j++) {
      const want = direct[i * l + j] - (j === angle ? (chosen[i] * Math.PI) / 180 : 0);
      assert.ok(Math.abs(searched[i * l + j] - want) < 1e-5, `image ${i}, latent ${j}`);
    }
  }
  // Without a search, every turn is 0 and the posterior is the encoder's.
  assert.deepEqual(Array.from(plain.searchAngles(x)), new Array(12).fill(0));
  model.dispose();
  plain.dispose();
});

test('angle search: refused for a warp without an angle, and out of range', () => {
  assert.throws(() => buildModelConfig('affine', { angleSearch: 4 }), /angle latent/);
  assert.throws(() => buildModelConfig('rotation', { angleSearch: 65 }), /\[0, 64\]/);
  assert.throws(() => buildModelConfig('rotation', { angleSearch: 2.5 }), /\[0, 64\]/);
});

test('a read-out size other than the model\'s own (ModelOptions.angleSearch) reads as a model configured with it', () => {
  const x = toUnit(slice(loadDataset('mnist-pose:U', 'test'), 0, 8).images);
  const own = new AffineVAE(config(0), { seed: 5 });
  const overridden = new AffineVAE(config(0), { seed: 5, angleSearch: 4 });
  const configured = new AffineVAE(config(4), { seed: 5 });
  try {
    assert.equal(overridden.config.angleSearch, 4);
    const rotations = (m: AffineVAE) => m.inferTransform(x).map((p) => p.rotation);
    assert.deepEqual(rotations(overridden), rotations(configured));
    assert.notDeepEqual(rotations(overridden), rotations(own));
    const off = new AffineVAE(config(4), { seed: 5, angleSearch: 0 });
    assert.equal(off.config.angleSearch, 0);
    off.dispose();
  } finally {
    [own, overridden, configured].forEach((m) => m.dispose());
  }
  assert.throws(() => new AffineVAE(buildModelConfig('affine', { hidden: 8 }), { angleSearch: 4 }), /angle latent/);
  assert.throws(() => new AffineVAE(config(0), { angleSearch: 65 }), /\[0, 64\]/);
});

test('quarter turns: the exact permutation is the bilinear turn by 90°, grey and colour; four make the identity', () => {
  for (const channels of [1, 3]) {
    const n = 7;
    const image = Float32Array.from({ length: n * n * channels }, (_, i) => Math.sin(i * 1.7) + 1);
    const idx = quarterTurnIndices(n, channels);
    const once = Float32Array.from(idx, (i) => image[i]);
    // A colour image's outside is its border mean; a quarter turn never samples outside.
    assert.ok(maxAbsDiff(once, transformImages(image, 1, n, n, [rotationMatrix(90)], undefined, channels)) < 1e-5, `C = ${channels}`);
    let turned = image;
    for (let k = 0; k < 4; k++) turned = Float32Array.from(idx, (i) => turned[i]);
    assert.deepEqual(turned, image);
  }
});

test('half turns: the exact permutation is the bilinear turn by 180°, on a non-square image, grey and colour; two make the identity', () => {
  for (const channels of [1, 3]) {
    const [h, w] = [5, 8];
    const image = Float32Array.from({ length: h * w * channels }, (_, i) => Math.sin(i * 1.7) + 1);
    const idx = halfTurnIndices(h, w, channels);
    const once = Float32Array.from(idx, (i) => image[i]);
    assert.ok(maxAbsDiff(once, transformImages(image, 1, h, w, [rotationMatrix(180)], undefined, channels)) < 1e-5, `C = ${channels}`);
    assert.deepEqual(Float32Array.from(idx, (i) => once[i]), image);
  }
});

for (const g of [4, 2] as const) {
  const over = g === 4 ? 'quarter turns' : 'half turns';
  const step = 360 / g;
  test(`content pooled over ${over}: the content cannot see a ${step}° turn, the warp is the image's own reading`, () => {
    const pooled = new AffineVAE({ ...config(g), poolContent: true, ...(g === 2 ? { poolTurns: 2 } : {}) }, { seed: 7 });
    const plain = new AffineVAE(config(g), { seed: 7 });
    const x = toUnit(slice(loadDataset('mnist-pose:U', 'test'), 0, 5).images);
    const turn = (images: Float32Array, deg = step) => transformImages(images, 5, 50, 50, new Array(5).fill(rotationMatrix(deg)));
    const read = (m: AffineVAE, images: Float32Array) =>
      tf.tidy(() => {
        const q = m.encode(tf.tensor2d(images, [5, 2500]));
        return { mean: q.mean.arraySync(), scale: q.scale.arraySync() };
      });
    const zc = pooled.config.contentDims;
    const [a, b, own] = [read(pooled, x), read(pooled, turn(x)), read(plain, x)];
    for (let i = 0; i < 5; i++) {
      assert.ok(maxAbsDiff(a.mean[i].slice(0, zc), b.mean[i].slice(0, zc)) < 1e-5, `content mean of image ${i}`);
      assert.ok(maxAbsDiff(a.scale[i].slice(0, zc), b.scale[i].slice(0, zc)) < 1e-5, `content scale of image ${i}`);
      // The warp latents: the unpooled model's reading of the image as given (same weights).
      assert.ok(maxAbsDiff(a.mean[i].slice(zc), own.mean[i].slice(zc)) < 1e-5);
      assert.ok(maxAbsDiff(a.scale[i].slice(zc), own.scale[i].slice(zc)) < 1e-5);
      // The content is the mean of the G readings.
      let sum = new Array<number>(zc).fill(0);
      let t = x;
      for (let k = 0; k < g; k++, t = turn(t)) sum = sum.map((s, j) => s + read(plain, t).mean[i][j] / g);
      assert.ok(maxAbsDiff(a.mean[i].slice(0, zc), sum) < 1e-5);
    }
    assert.ok(maxAbsDiff(a.mean[0].slice(zc), b.mean[0].slice(zc)) > 1e-3, 'the warp does see the turn');
    if (g === 2) {
      // Half turns only: a quarter turn still reaches the content.
      const c = read(pooled, turn(x, 90));
      assert.ok(maxAbsDiff(a.mean[0].slice(0, zc), c.mean[0].slice(0, zc)) > 1e-3, 'the content sees a quarter turn');
    }
    pooled.dispose();
    plain.dispose();
  });
}

test('pooled content: the config is checked', () => {
  assert.throws(() => buildModelConfig('affine', { poolContent: true }), /needs a warp with an angle latent/);
  assert.throws(() => new AffineVAE({ ...config(0), height: 50, width: 40, poolContent: true }), /needs square images, not 50×40/);
  assert.throws(() => new AffineVAE({ ...config(0), poolTurns: 2 }), /poolTurns needs poolContent/);
  assert.throws(() => new AffineVAE({ ...config(0), poolContent: true, poolTurns: 3 as 2 }), /poolTurns must be 2 or 4, got 3/);
  // A half turn needs no square frame.
  const wide = new AffineVAE({ ...config(2), height: 20, width: 30, poolContent: true, poolTurns: 2 }, { seed: 1 });
  const x = Float32Array.from({ length: 2 * 600 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const half = transformImages(x, 2, 20, 30, [rotationMatrix(180), rotationMatrix(180)]);
  const content = (images: Float32Array) => tf.tidy(() => wide.split(wide.encode(tf.tensor2d(images, [2, 600])).mean).content.arraySync());
  assert.ok(maxAbsDiff(content(x).flat(), content(half).flat()) < 1e-5);
  wide.dispose();
});

for (const [g, k] of [[4, 8], [2, 4], [2, 2]] as const) {
  test(`content pooled over ${g} turns: one pooled pass gives the search ${g} of its ${k} candidates, the same as turning the images`, () => {
    const pooled = new AffineVAE({ ...config(k), poolContent: true, poolTurns: g }, { seed: 9 });
    const x = toUnit(slice(loadDataset('mnist-pose:U', 'test'), 0, 10).images);
    const points = Int32Array.from({ length: 300 }, (_, i) => (i * 8) % 2500);
    const turns = pooled.searchAngles(x, points);
    // By hand: each candidate's images turned by bilinear resampling, read through encode().
    const errors = Array.from({ length: k }, (_, j) => (360 * j) / k).map((alpha) => {
      const turned = transformImages(x, 10, 50, 50, new Array(10).fill(rotationMatrix(alpha)));
      return tf.tidy(() => {
        const { content, warp } = pooled.split(pooled.encode(tf.tensor2d(turned, [10, 2500])).mean);
        const back = pooled.offsetAngle(warp, tf.fill([10], (-alpha * Math.PI) / 180) as tf.Tensor1D);
        const y = tfjsEngine.decode(pooled.decoder, content, pooled.affineOf(back), tf.gather(pooled.grid, tf.tensor1d(points, 'int32')));
        return Array.from(tf.sum(tf.square(tf.sub(y, tf.gather(tf.tensor2d(x, [10, 2500]), tf.tensor1d(points, 'int32'), 1))), 1).dataSync());
      });
    });
    assert.deepEqual(Array.from(turns), Array.from({ length: 10 }, (_, i) => (360 / k) * errors.reduce((b, e, j) => (e[i] < errors[b][i] ? j : b), 0)));
    const before = tf.memory().numTensors;
    pooled.posterior(x);
    assert.equal(tf.memory().numTensors, before, 'the search keeps no tensors');
    pooled.dispose();
  });
}
