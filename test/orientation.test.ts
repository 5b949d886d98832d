import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { buildModelConfig } from '../src/model/config.ts';
import { inkTurns, thirdMoment } from '../src/model/orientation.ts';
import { rotationMatrix, transformImages } from '../src/model/transform-images.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { gridValues } from '../src/model/warp.ts';
import { maxAbsDiff, useBackend } from './helpers.ts';

before(useBackend);

const wrap = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;
const digits = (n: number) => toUnit(slice(loadDataset('mnist-pose:upright,frame=50', 'test'), 0, n).images);
const turn = (x: Float32Array, n: number, degrees: number[]) => transformImages(x, n, 50, 50, degrees.map(rotationMatrix));

test('the ink turn points the third moment up, and turns with the image: a digit turned by θ needs θ less', () => {
  const n = 8;
  const x = digits(n);
  const own = inkTurns(x, n, 50, 50);
  const grid = gridValues(50, 50);
  const upright = turn(x, n, Array.from(own));
  for (let i = 0; i < n; i++) {
    const [vy, vx] = thirdMoment(upright.subarray(i * 2500, (i + 1) * 2500), grid, 1);
    assert.ok(vy < 0 && Math.abs(vx) < 0.05 * Math.abs(vy), `image ${i}: (${vy}, ${vx}) does not point up`);
  }
  for (const theta of [30, 100, 200, -75]) {
    const turned = inkTurns(turn(x, n, new Array(n).fill(theta)), n, 50, 50);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(wrap(turned[i] - (own[i] - theta))) < 3, `θ ${theta}, image ${i}: ${turned[i]} vs ${own[i] - theta}`);
  }
  assert.deepEqual(Array.from(inkTurns(new Float32Array(2500), 1, 50, 50)), [0]); // blank
  // Colour: the ink is the mean over channels, so a grey image copied to three channels turns alike.
  const rgb = new Float32Array(3 * 2500);
  for (let p = 0; p < 2500; p++) rgb.fill(x[p], 3 * p, 3 * p + 3);
  assert.ok(Math.abs(inkTurns(rgb, 1, 50, 50, 3)[0] - own[0]) < 1e-3);
});

test('moment alignment: the posterior is the reading of the image turned by its ink turn, the angle turned back; the read turns with the image', () => {
  const config = { ...buildModelConfig('rotation-translation', { hidden: 32, momentAlign: true }), height: 50, width: 50 };
  const model = new AffineVAE(config, { seed: 3 });
  const plain = new AffineVAE({ ...config, momentAlign: false }, { seed: 3 });
  try {
    assert.ok(model.searches && !plain.searches);
    const n = 6;
    const x = digits(n);
    const alpha = inkTurns(x, n, 50, 50);
    assert.deepEqual(Array.from(model.searchAngles(x)), Array.from(alpha));
    const byHand = tf.tidy(() => {
      const { content, warp } = model.split(model.encode(tf.tensor2d(turn(x, n, Array.from(alpha)), [n, 2500])).mean);
      return tf.concat([content, model.offsetAngle(warp, tf.tensor1d(Array.from(alpha, (a) => (-a * Math.PI) / 180)))], 1).dataSync();
    });
    const read = (m: AffineVAE, images: Float32Array) => m.inferTransform(images);
    assert.ok(maxAbsDiff(model.posterior(x).mean, byHand) < 1e-5);
    // A digit turned by θ reads as turned by θ more (the untrained encoder's angle is a small residual).
    for (const theta of [90, -140]) {
      const a = read(model, x);
      const b = read(model, turn(x, n, new Array(n).fill(theta)));
      for (let i = 0; i < n; i++) assert.ok(Math.abs(wrap(b[i].rotation - a[i].rotation - theta)) < 5, `θ ${theta}, image ${i}: ${b[i].rotation - a[i].rotation}`);
      const c = read(plain, x);
      const d = read(plain, turn(x, n, new Array(n).fill(theta)));
      assert.ok(d.some((p, i) => Math.abs(wrap(p.rotation - c[i].rotation - theta)) > 20), 'without alignment the untrained read does not turn with the image');
    }
  } finally {
    model.dispose();
    plain.dispose();
  }
  assert.throws(() => buildModelConfig('affine', { momentAlign: true }), /moment alignment needs a warp with an angle latent/);
});
