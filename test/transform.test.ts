import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type Mat2, affineFromPose, compose, decompose, invert, poseFromAffine, seedPose } from '../src/model/transform.ts';
import { transformImages } from '../src/model/transform-images.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { gridValues, warpAffine, warpGrid } from '../src/model/warp.ts';
import { tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('a pure rotation decomposes into that angle, scale 1 and shear 0', () => {
  // 30° counter-clockwise on screen, where y points down: x axis -> (cos, −sin).
  const t = (30 * Math.PI) / 180;
  const T: Mat2 = [Math.cos(t), Math.sin(t), -Math.sin(t), Math.cos(t)];
  const d = decompose(T);
  near(d.rotation, 30);
  near(d.scaleX, 1);
  near(d.scaleY, 1);
  near(d.shear, 0);
});

test('pure scale and pure shear decompose into themselves', () => {
  const s = decompose([2, 0, 0, 0.5]);
  near(s.rotation, 0);
  near(s.scaleX, 2);
  near(s.scaleY, 0.5);
  near(s.shear, 0);
  const h = decompose([1, 0.3, 0, 1]);
  near(h.shear, 0.3);
  near(h.scaleX, 1);
  near(h.rotation, 0);
});

test('compose and decompose are inverse', () => {
  for (const [r, sx, sy, m] of [[10, 1.2, 0.8, 0.2], [-75, 0.5, 1.5, -0.4], [170, 1, 1, 0], [45, 2, -1, 0.1]]) {
    const d = decompose(compose(r, sx, sy, m));
    near(d.rotation, r, 1e-9);
    near(d.scaleX, sx, 1e-9);
    near(d.scaleY, sy, 1e-9);
    near(d.shear, m, 1e-9);
  }
});

test("seedPose maps the warp's sampling points back to the pixels that show them", () => {
  const p = [0.7, -1.2, 5, 2.1, -0.4, -3];
  const T = seedPose(p, 0.1);
  const grid = gridValues(4, 4);
  const warped = warpGrid(tf.tensor2d(grid, [16, 2]), warpAffine('seed', tf.tensor2d([p]), 0.1)).dataSync();
  for (let i = 0; i < 16; i++) {
    const [yw, xw] = [warped[2 * i], warped[2 * i + 1]];
    near(T[0] * xw + T[1] * yw, grid[2 * i + 1], 1e-5); // x
    near(T[2] * xw + T[3] * yw, grid[2 * i], 1e-5); // y
  }
});

test('warp latents built for a known rotation read out as that rotation', () => {
  const T = compose(20, 1, 1, 0);
  // Invert T = S·(Aᵀ)⁻¹·S for A, then p = (A − I)/s.
  const M: Mat2 = [T[3], T[2], T[1], T[0]]; // S·T·S = (Aᵀ)⁻¹
  const det = M[0] * M[3] - M[1] * M[2];
  const At = [M[3] / det, -M[1] / det, -M[2] / det, M[0] / det];
  const A = [At[0], At[2], At[1], At[3]];
  const p = [(A[0] - 1) / 0.1, A[1] / 0.1, 0, A[2] / 0.1, (A[3] - 1) / 0.1, 0];
  const d = decompose(seedPose(p, 0.1));
  near(d.rotation, 20, 1e-9);
  near(d.shear, 0, 1e-9);
});

test('inferTransform: one pose per image; zero warp latents are the identity', () => {
  const model = new AffineVAE(tinyConfig(8), { seed: 1 });
  model.encoderMean.kernel.assign(tf.zerosLike(model.encoderMean.kernel));
  const poses = model.inferTransform(new Float32Array(3 * 784).fill(0.5));
  assert.equal(poses.length, 3);
  for (const t of poses) {
    near(t.rotation, 0, 1e-6);
    near(t.scaleX, 1, 1e-6);
    near(t.scaleY, 1, 1e-6);
    near(t.shear, 0, 1e-6);
    near(t.translateX, 0, 1e-9);
    near(t.translateY, 0, 1e-9);
  }
  model.dispose();
});

test('the pose read-out has the right sign: moving the unwarped decoding by it gives the warped one', () => {
  for (const [preset, p] of [['rotation', [0.5]], ['rotation-translation', [-0.4, 0.15, -0.1]], ['affine', [1, -2, 0.5, 1.5, 1, -1]], ['rotation-affine', [0.6, 0.1, -0.15, 1, -1.5, 2]]] as const) {
    const model = new AffineVAE({ ...tinyConfig(16), warp: preset, warpDims: p.length, height: 20, width: 20 }, { seed: 2 });
    const z = tf.tensor2d([[...Array(10).fill(0.3), ...p]] as number[][]);
    const plain = model.decode(z, false).dataSync() as Float32Array;
    const warped = model.decode(z, true).dataSync();
    const { matrix, translate } = poseFromAffine(model.affineOf(tf.tensor2d([[...p]])).dataSync());
    const err = (T: Mat2, t: [number, number]) => {
      const moved = transformImages(plain, 1, 20, 20, [T], [t]);
      let e = 0;
      // Compare the middle only: the edges of `moved` come from outside the decoded square.
      for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) e += (moved[y * 20 + x] - warped[y * 20 + x]) ** 2;
      return e;
    };
    const right = err(matrix, translate);
    const wrong = err(invert(matrix), [-translate[0], -translate[1]]);
    assert.ok(right < 0.1 * wrong, `${preset}: error ${right} with the read-out, ${wrong} with its inverse`);
    model.dispose();
  }
});

test('a rotation latent θ reads out as θ counter-clockwise', () => {
  const { matrix } = poseFromAffine(warpAffine('rotation', tf.tensor2d([[0.3]]), 0.1).dataSync());
  near(decompose(matrix).rotation, (0.3 * 180) / Math.PI, 1e-4);
});

test('affineFromPose is the inverse of the pose read-out: every pose reads back as itself', () => {
  for (const pose of [
    { rotation: 30, scaleX: 1.2, scaleY: 0.9, shear: 0.1, translateX: 0.1, translateY: -0.05 },
    { rotation: -170, scaleX: 0.7, scaleY: 1.4, shear: -0.3, translateX: -0.4, translateY: 0.2 },
    {},
  ]) {
    const { matrix, translate } = poseFromAffine(affineFromPose(pose));
    const back = decompose(matrix, translate);
    near(back.rotation, pose.rotation ?? 0, 1e-4);
    near(back.scaleX, pose.scaleX ?? 1, 1e-5);
    near(back.scaleY, pose.scaleY ?? 1, 1e-5);
    near(back.shear, pose.shear ?? 0, 1e-5);
    near(back.translateX, pose.translateX ?? 0, 1e-5);
    near(back.translateY, pose.translateY ?? 0, 1e-5);
  }
  assert.throws(() => affineFromPose({ scaleX: 0 }), /zero scale/);
});

test('decodeAt draws content at a chosen pose: the identity is the normalized image, 90° turns it counter-clockwise', () => {
  const model = new AffineVAE(tinyConfig(16), { seed: 3 });
  const x = new Float32Array(784).map((_, i) => ((i * 7919) % 255) / 255);
  const content = model.posterior(x).mean.subarray(0, model.config.contentDims);
  const upright = model.decodeAt(content, [{}]);
  const normalized = model.normalize(x);
  for (let i = 0; i < 784; i++) near(upright[i], normalized[i], 1e-6);
  const turned = model.decodeAt(content, [{ rotation: 90 }]);
  // Counter-clockwise on screen (y down): the pixel at (y, x) comes from (x, 27 − y).
  let ccw = 0;
  let cw = 0;
  for (let y = 0; y < 28; y++) {
    for (let c = 0; c < 28; c++) {
      ccw = Math.max(ccw, Math.abs(turned[y * 28 + c] - upright[c * 28 + (27 - y)]));
      cw = Math.max(cw, Math.abs(turned[y * 28 + c] - upright[(27 - c) * 28 + y]));
    }
  }
  assert.ok(ccw < 1e-4, `counter-clockwise differs by ${ccw}`);
  assert.ok(cw > 1e-3, 'the image is not symmetric, so the direction is tested');
  const whole = model.decodeAt(content, [{ rotation: 30 }], 56);
  assert.equal(whole.length, 56 * 56);
  // A band of rows (the web page renders in bands) is that part of the whole, exactly.
  assert.deepEqual(model.decodeAt(content, [{ rotation: 30 }], 56, [20, 33]), whole.subarray(20 * 56, 33 * 56));
  for (const bad of [[5, 5], [-1, 3], [50, 57], [1.5, 3]] as [number, number][]) assert.throws(() => model.decodeAt(content, [{}], 56, bad), /not a band/);
  assert.throws(() => model.decodeAt(content, [{}, {}]), /expected 2 × 10 content latents/);
  model.dispose();
});
