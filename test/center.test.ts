import assert from 'node:assert/strict';
import { test } from 'node:test';
import { centerLikeMnist } from '../src/data/center.ts';
import { imageMoments } from '../src/eval/moments.ts';
import { loadMnist } from '../src/io/mnist.ts';

/** A `w × h` black canvas with a filled rectangle of ink. */
function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number, value = 255): Float32Array {
  const img = new Float32Array(w * h);
  for (let y = y0; y < y1; y++) img.fill(value, y * w + x0, y * w + x1);
  return img;
}

/** Rows and columns that hold ink above `t`. */
function extent(img: Float32Array, size: number, t = 1e-6): { w: number; h: number } {
  let [x0, y0, x1, y1] = [size, size, -1, -1];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (img[y * size + x] > t) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

test('a digit drawn anywhere on a big canvas is framed as MNIST frames its digits', () => {
  // A tall stroke in a corner of a 280×280 pad: 40 wide, 200 high.
  const out = centerLikeMnist(rect(280, 280, 10, 60, 50, 260), 280, 280);
  assert.equal(out.length, 784);
  const { w, h } = extent(out, 28);
  assert.equal(h, 20, 'the long side fills the 20-pixel box');
  assert.ok(w >= 4 && w <= 5, `aspect kept: width ${w}`);
  const { cx, cy } = imageMoments(out, 28, 28);
  // Moments are in grid units (−1..1; one pixel is 2/27). MNIST's centre of mass is pixel (14, 14),
  // 1/27 past the middle; within half a pixel of it.
  assert.ok(Math.abs(cx - 1 / 27) <= 1 / 27 && Math.abs(cy - 1 / 27) <= 1 / 27, `centre of mass (${cx}, ${cy})`);
  assert.ok(Math.max(...out) <= 255 && Math.max(...out) > 200, 'values stay on the input scale');
});

test('MNIST digits come back nearly as they are', () => {
  const test = loadMnist('test');
  for (let k = 0; k < 20; k++) {
    const digit = Float32Array.from(test.images.subarray(k * 784, (k + 1) * 784));
    const out = centerLikeMnist(digit, 28, 28);
    const a = imageMoments(digit, 28, 28);
    const b = imageMoments(out, 28, 28);
    // Re-fitting a 20-pixel box resamples a little; the frame is the same.
    assert.ok(Math.abs(a.cx - b.cx) < 2 / 27 && Math.abs(a.cy - b.cy) < 2 / 27, `digit ${k}: (${a.cx}, ${a.cy}) → (${b.cx}, ${b.cy})`);
    assert.ok(Math.abs(Math.sqrt(b.vyy) / Math.sqrt(a.vyy) - 1) < 0.2, `digit ${k}: height kept`);
  }
});

test('an empty canvas gives an empty image; bad shapes are errors', () => {
  assert.ok(centerLikeMnist(new Float32Array(100 * 80), 100, 80).every((v) => v === 0));
  assert.throws(() => centerLikeMnist(new Float32Array(10), 4, 4), /expected 4×4/);
  assert.throws(() => centerLikeMnist(new Float32Array(16), 4, 4, 10, 12), /does not fit/);
});
