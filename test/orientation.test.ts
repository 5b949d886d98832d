import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { buildModelConfig } from '../src/model/config.ts';
import { axisTurns, inkCentres, inkTurns, thirdMoment } from '../src/model/orientation.ts';
import { appliedPoseRecovery } from '../src/eval/pose.ts';
import { rotationMatrix, transformImages } from '../src/model/transform-images.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { gridValues } from '../src/model/warp.ts';
import { maxAbsDiff, useBackend } from './helpers.ts';

before(useBackend);

const wrap = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;
const digits = (n: number) => toUnit(slice(loadDataset('mnist-pose:upright,frame=50', 'test'), 0, n).images);
const turn = (x: Float32Array, n: number, degrees: number[]) => transformImages(x, n, 50, 50, degrees.map(rotationMatrix));

type Frame = (images: Float32Array, n: number, h: number, w: number) => Float32Array;

/** Eight upright digits, the turns `frame` gives them, and the digits turned by those turns. */
function inFrame(frame: Frame) {
  const n = 8;
  const x = digits(n);
  const own = frame(x, n, 50, 50);
  return { n, x, own, grid: gridValues(50, 50), upright: turn(x, n, Array.from(own)) };
}

/** A frame's turn turns with the image: a digit turned by θ needs θ less. */
function assertTurnsWithImage(frame: Frame, x: Float32Array, n: number, own: Float32Array): void {
  for (const theta of [30, 100, 200, -75]) {
    const turned = frame(turn(x, n, new Array(n).fill(theta)), n, 50, 50);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(wrap(turned[i] - (own[i] - theta))) < 3, `θ ${theta}, image ${i}: ${turned[i]} vs ${own[i] - theta}`);
  }
}

test('the ink turn points the third moment up, and turns with the image: a digit turned by θ needs θ less', () => {
  const { n, x, own, upright } = inFrame(inkTurns);
  for (let i = 0; i < n; i++) {
    const [vy, vx] = thirdMoment(upright.subarray(i * 2500, (i + 1) * 2500), 50, 50);
    assert.ok(vy < 0 && Math.abs(vx) < 0.05 * Math.abs(vy), `image ${i}: (${vy}, ${vx}) does not point up`);
  }
  assertTurnsWithImage(inkTurns, x, n, own);
  assert.deepEqual(Array.from(inkTurns(new Float32Array(2500), 1, 50, 50)), [0]); // blank
  // Colour: the ink is the mean over channels, so a grey image copied to three channels turns alike.
  const rgb = new Float32Array(3 * 2500);
  for (let p = 0; p < 2500; p++) rgb.fill(x[p], 3 * p, 3 * p + 3);
  assert.ok(Math.abs(inkTurns(rgb, 1, 50, 50, 3)[0] - own[0]) < 1e-3);
});

test('the axis turn stands the principal axis upright with the third moment on top, and turns with the image', () => {
  const { n, x, own, grid, upright } = inFrame(axisTurns);
  for (let i = 0; i < n; i++) {
    const img = upright.subarray(i * 2500, (i + 1) * 2500);
    // Second moments about the centroid: the axis is vertical when vxy is 0 and vyy the larger.
    let [m, cy, cx, vxx, vyy, vxy] = [0, 0, 0, 0, 0, 0];
    for (let p = 0; p < 2500; p++) [m, cy, cx] = [m + img[p], cy + img[p] * grid[2 * p], cx + img[p] * grid[2 * p + 1]];
    [cy, cx] = [cy / m, cx / m];
    for (let p = 0; p < 2500; p++) {
      const [ry, rx] = [grid[2 * p] - cy, grid[2 * p + 1] - cx];
      [vxx, vyy, vxy] = [vxx + img[p] * rx * rx, vyy + img[p] * ry * ry, vxy + img[p] * rx * ry];
    }
    assert.ok(vyy > vxx && Math.abs(vxy) < 0.03 * (vyy - vxx), `image ${i}: vxx ${vxx}, vyy ${vyy}, vxy ${vxy}`);
    assert.ok(thirdMoment(img, 50, 50)[0] < 0, `image ${i}: the third moment points down`);
  }
  assertTurnsWithImage(axisTurns, x, n, own);
  const model = new AffineVAE({ ...buildModelConfig('rotation-translation', { hidden: 8, momentAlign: true, alignFrame: 'axis' }), height: 50, width: 50 }, { seed: 1 });
  assert.deepEqual(Array.from(model.searchAngles(x)), Array.from(own)); // the model turns into the frame it names
  model.dispose();
  assert.throws(() => buildModelConfig('rotation', { momentAlign: true, alignFrame: 'sideways' as never }), /unknown alignment frame 'sideways' \(known: ink, axis\)/);
});

for (const preset of ['rotation-translation', 'rotation-affine']) {
  test(`moment alignment (${preset}): the posterior is the reading of the image centred on its ink and turned by its ink turn, the angle and the shift given back`, () => {
    const config = { ...buildModelConfig(preset, { hidden: 32, momentAlign: true, warpScale: 0.3 }), height: 50, width: 50 };
    const model = new AffineVAE(config, { seed: 3 });
    const warpDims = config.warpDims;
    const l = 10 + warpDims;
    try {
      assert.ok(model.searches);
      const n = 6;
      const x = toUnit(slice(loadDataset('mnist-pose:U', 'test'), 0, n).images);
      const alpha = inkTurns(x, n, 50, 50);
      const centres = inkCentres(x, n, 50, 50);
      assert.deepEqual(Array.from(model.searchAngles(x)), Array.from(alpha));
      // By hand: the result at g is the source at T⁻¹(g − t), so t = −T·c puts the centroid c at the centre.
      const T = Array.from(alpha, rotationMatrix);
      const t = T.map(([a, b, c, d], i): [number, number] => [-(a * centres[2 * i] + b * centres[2 * i + 1]), -(c * centres[2 * i] + d * centres[2 * i + 1])]);
      const seen = transformImages(x, n, 50, 50, T, t);
      const read = tf.tidy(() => model.encode(tf.tensor2d(seen, [n, 2500])).mean.dataSync());
      const expected = Float32Array.from(read);
      for (let i = 0; i < n; i++) {
        const w = expected.subarray(l * i + 10, l * i + l); // θ, x shift, y shift[, y stretch, x stretch, slant]
        w[0] -= (alpha[i] * Math.PI) / 180;
        // c·A, rows (y, x): A = R(θ)·S, R(θ) = [[cos, −sin], [sin, cos]], S = [[1 + s·p3, s·p5], [0, 1 + s·p4]] (I without a shape).
        const s = config.warpScale;
        const [m00, m01, m11] = warpDims === 6 ? [1 + s * w[3], s * w[5], 1 + s * w[4]] : [1, 0, 1];
        const [cos, sin] = [Math.cos(w[0]), Math.sin(w[0])];
        const A = [cos * m00, cos * m01 - sin * m11, sin * m00, sin * m01 + cos * m11];
        const [cx, cy] = [centres[2 * i], centres[2 * i + 1]];
        w[1] -= cy * A[1] + cx * A[3];
        w[2] -= cy * A[0] + cx * A[2];
      }
      assert.ok(maxAbsDiff(model.posterior(x).mean, expected) < 1e-5);
    } finally {
      model.dispose();
    }
  });
}

test('moment alignment needs an angle latent', () => {
  assert.throws(() => buildModelConfig('affine', { momentAlign: true }), /moment alignment needs a warp with an angle latent/);
});

for (const preset of ['rotation-translation', 'rotation-affine']) test(`moment alignment (${preset}): even untrained, the pose read turns and moves with the image, where a plain encoder's does not`, () => {
  const config = { ...buildModelConfig(preset, { hidden: 32, momentAlign: true }), height: 50, width: 50 };
  const aligned = new AffineVAE(config, { seed: 3 });
  const plain = new AffineVAE({ ...config, momentAlign: false }, { seed: 3 });
  const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, 100);
  const upright = slice(loadDataset('mnist-pose:upright', 'test'), 0, 100);
  try {
    const a = appliedPoseRecovery(aligned, posed, upright);
    assert.ok(a.rotationErrorDeg < 5 && a.flipped === 0, `aligned: ${a.rotationErrorDeg}°`);
    assert.ok(a.translationCorrelationX > 0.95 && a.translationCorrelationY > 0.95, `aligned: ${a.translationCorrelationX}, ${a.translationCorrelationY}`);
    const p = appliedPoseRecovery(plain, posed, upright);
    assert.ok(p.rotationErrorDeg > 45, `plain: ${p.rotationErrorDeg}°`);
  } finally {
    aligned.dispose();
    plain.dispose();
  }
});

test('evaluateSet scores an aligned model on what it reads: a quarter turn of the test images changes nothing', async () => {
  const { evaluateSet } = await import('../src/objective/metrics.ts');
  const config = { ...buildModelConfig('rotation-translation', { hidden: 32, momentAlign: true }), height: 50, width: 50 };
  const aligned = new AffineVAE(config, { seed: 3 });
  const plain = new AffineVAE({ ...config, momentAlign: false }, { seed: 3 });
  try {
    const set = slice(loadDataset('mnist-pose:U', 'test'), 0, 40);
    const x = toUnit(set.images);
    const quarter = turn(x, 40, new Array(40).fill(90));
    const turnedSet = { ...set, images: Uint8Array.from(quarter, (v) => Math.round(v * 255)) };
    const mse = (m: AffineVAE, s: typeof set) => evaluateSet(m, s, 20, 1).mse;
    const [a, b] = [mse(aligned, set), mse(aligned, turnedSet)];
    assert.ok(Math.abs(a - b) < 1e-5 * a, `aligned: ${a} vs ${b}`);
    // Scored on the images as given, the same untrained encoder sees the turn (a hundred times more).
    const [c, d] = [mse(plain, set), mse(plain, turnedSet)];
    assert.ok(Math.abs(c - d) > 1e-4 * c, `plain: ${c} vs ${d}`);
  } finally {
    aligned.dispose();
    plain.dispose();
  }
});
