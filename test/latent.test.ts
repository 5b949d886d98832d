import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { AffineVAE } from '../src/model/vae.ts';
import { animatedGif, interpolate, latentOf, traverse, warpAnimation } from '../src/render/latent.ts';
import { maxAbsDiff, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const decodeOne = (model: AffineVAE, z: Float32Array) => model.decode(tf.tensor2d(z, [1, model.latent]), true).dataSync();

test('traverse: row i sweeps latent i only; the middle column is the image itself; inert p2, p5 rows are constant', () => {
  const model = new AffineVAE(tinyConfig(12), { seed: 3 });
  const z = latentOf(model, Float32Array.from({ length: 784 }, (_, i) => (i % 13) / 13));
  const steps = 5;
  const grid = traverse(model, z, 2, steps);
  assert.equal(grid.length, model.latent * steps * 784);
  const image = (row: number, k: number) => grid.subarray((row * steps + k) * 784, (row * steps + k + 1) * 784);
  const self = decodeOne(model, z);
  for (let row = 0; row < model.latent; row++) assert.ok(maxAbsDiff(image(row, 2), self) < 1e-6, `row ${row}`);
  for (const inert of [12, 15]) assert.ok(maxAbsDiff(image(inert, 0), image(inert, 4)) < 1e-6, `latent ${inert} is inert`);
  assert.ok(maxAbsDiff(image(0, 0), image(0, 4)) > 1e-4, 'a content latent changes the image');
  assert.ok(maxAbsDiff(image(10, 0), image(10, 4)) > 1e-4, 'p0 changes the image');
  model.dispose();
});

test('interpolate starts at A and ends at B', () => {
  const model = new AffineVAE(tinyConfig(12), { seed: 4 });
  const a = Float32Array.from({ length: model.latent }, (_, i) => i / 10);
  const b = Float32Array.from({ length: model.latent }, (_, i) => -i / 20);
  const row = interpolate(model, a, b, 6);
  assert.ok(maxAbsDiff(row.subarray(0, 784), decodeOne(model, a)) < 1e-6);
  assert.ok(maxAbsDiff(row.subarray(5 * 784), decodeOne(model, b)) < 1e-6);
  model.dispose();
});

test('the warp animation is a GIF with one frame per step of each warp latent', () => {
  const model = new AffineVAE(tinyConfig(8), { seed: 5 });
  const frames = warpAnimation(model, new Float32Array(model.latent), 1, 4);
  assert.equal(frames.length, 6 * 4 * 784);
  const gif = animatedGif(frames, 24, 28, 28, 2);
  assert.equal(new TextDecoder().decode(gif.subarray(0, 6)), 'GIF89a');
  assert.equal(gif[6] | (gif[7] << 8), 56); // logical screen width
  model.dispose();
});
