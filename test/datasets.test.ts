import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { encodeIdx } from '../src/data/idx.ts';
import { FASHION_MNIST_DIR, hasTestPart, loadDataset } from '../src/io/datasets.ts';
import { UserError } from '../src/io/files.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { tempDir } from './helpers.ts';

function png(width: number, height: number, rgb: [number, number, number], background = 0): Buffer {
  const p = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const inside = Math.abs((i % width) - width / 2) < width / 6;
    p.data.set(inside ? [...rgb, 255] : [background, background, background, 255], 4 * i);
  }
  return PNG.sync.write(p);
}

test('dir: PNG and JPEG of any size become size×size grey; a broken file is named and skipped; labels from folders', () => {
  const dir = tempDir();
  mkdirSync(join(dir, '3'));
  mkdirSync(join(dir, '7'));
  writeFileSync(join(dir, '3', 'a.png'), png(60, 40, [255, 255, 255]));
  writeFileSync(join(dir, '7', 'b.png'), png(20, 20, [200, 30, 30]));
  const rgba = Buffer.alloc(30 * 30 * 4, 255); // white
  for (let y = 5; y < 25; y++) rgba.set([0, 0, 0, 255], 4 * (y * 30 + 15)); // dark ink on white
  writeFileSync(join(dir, '7', 'c.jpg'), jpeg.encode({ data: rgba, width: 30, height: 30 }, 95).data);
  writeFileSync(join(dir, '7', 'broken.png'), 'not a png');
  const warnings: string[] = [];
  const set = loadDataset(`dir:${dir}`, 'train', { size: 40, warn: (m) => warnings.push(m) });
  assert.equal(set.n, 3);
  assert.deepEqual([set.height, set.width], [40, 40]);
  assert.deepEqual(Array.from(set.labels!), [3, 7, 7]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /broken\.png/);
  // The JPEG's dark stroke on white became a bright stroke on black.
  const jpg = set.images.subarray(2 * 1600, 3 * 1600);
  assert.ok(jpg[20 * 40 + 20] > 150 && jpg[2 * 40 + 2] < 50, `centre ${jpg[20 * 40 + 20]}, corner ${jpg[2 * 40 + 2]}`);
  assert.throws(() => loadDataset(`dir:${join(dir, 'none')}`, 'train'), UserError);
});

test('idx: gzipped images with labels; unknown specs are user errors', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'x.idx.gz'), gzipSync(encodeIdx(new Uint8Array(2 * 40 * 40).fill(9), [2, 40, 40])));
  writeFileSync(join(dir, 'y.idx'), encodeIdx(Uint8Array.from([4, 2]), [2]));
  const set = loadDataset(`idx:${join(dir, 'x.idx.gz')},${join(dir, 'y.idx')}`, 'train');
  assert.deepEqual([set.n, set.height, set.width, ...set.labels!], [2, 40, 40, 4, 2]);
  assert.throws(() => loadDataset('cifar', 'train'), /unknown dataset 'cifar'/);
  assert.equal(hasTestPart('idx:a'), false);
  assert.equal(hasTestPart('mnist-rot:45'), true);
});

test('mnist-rot: seeded rotations of MNIST, the same each time', () => {
  const a = loadDataset('mnist-rot:45', 'test');
  const b = loadDataset('mnist-rot:45', 'test');
  assert.equal(a.n, 10000);
  assert.deepEqual(a.images.subarray(0, 784 * 3), b.images.subarray(0, 784 * 3));
  assert.notDeepEqual(a.images.subarray(0, 784), loadMnist('test').images.subarray(0, 784));
  assert.deepEqual(loadDataset('mnist-rot:0', 'test').images.subarray(0, 784), loadMnist('test').images.subarray(0, 784));
  assert.throws(() => loadDataset('mnist-rot:400', 'test'), /DEG in \[0, 180\]/);
});

test('fashion-mnist from Debian’s package', { skip: existsSync(FASHION_MNIST_DIR) ? false : 'dataset-fashion-mnist is not installed' }, () => {
  const set = loadDataset('fashion-mnist', 'test');
  assert.deepEqual([set.n, set.height, set.width], [10000, 28, 28]);
  assert.equal(set.labels!.length, 10000);
});

test('training on 40×40 images of your own works: the model takes the data set’s size', () => {
  const dir = tempDir();
  const images = new Uint8Array(120 * 1600);
  for (let k = 0; k < 120; k++) for (let y = 8; y < 32; y++) images[k * 1600 + y * 40 + 12 + ((k + y) % 16)] = 255;
  writeFileSync(join(dir, 'shapes.idx'), encodeIdx(images, [120, 40, 40]));
  const bin = new URL('../bin/affine-vae.js', import.meta.url).pathname;
  const out = join(dir, 'run');
  const r = spawnSync(process.execPath, [bin, 'train', '--dataset', `idx:${join(dir, 'shapes.idx')}`, '--out', out, '--hidden', '8', '--epochs', '1', '--batch', '40'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /evaluating on 3 validation images/);
  const config = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology.config;
  assert.deepEqual([config.height, config.width], [40, 40]);
});

test('mnist-pose: digits framed 50 × 50, moved by the poses kept beside them; parameters and bad specs', async () => {
  const { drawPoses, framed, posedSet, MNIST_U } = await import('../src/io/posed.ts');
  const { imageMoments } = await import('../src/eval/moments.ts');
  const { slice } = await import('../src/data/dataset.ts');
  const { toUnit } = await import('../src/data/pixels.ts');
  const digits = slice(loadMnist('test'), 0, 40);
  const big = framed(digits, 50);
  assert.equal(big.height, 50);
  assert.equal(big.images[11 * 50 + 11 + 14], digits.images[14], 'the digit sits in the middle (11 px of border)');
  // No pose: the framed digits, exactly.
  const still = posedSet(digits, MNIST_U, new Float32Array(3 * digits.n));
  assert.deepEqual(still.images, big.images);
  // Uniform poses cover the full circle and ±8 px; a shift moves the centre of mass by as much.
  const poses = drawPoses(2000, MNIST_U, 1);
  const rot = Array.from({ length: 2000 }, (_, i) => poses[3 * i]);
  assert.ok(Math.min(...rot) < -170 && Math.max(...rot) > 170);
  assert.ok(Math.max(...Array.from({ length: 4000 }, (_, i) => Math.abs(poses[3 * Math.floor(i / 2) + 1 + (i % 2)]))) <= 8);
  const shifted = new Float32Array(3 * digits.n);
  for (let i = 0; i < digits.n; i++) shifted.set([0, 6, -4], 3 * i);
  const moved = posedSet(digits, MNIST_U, shifted);
  assert.deepEqual(moved.poses, shifted);
  for (let i = 0; i < 5; i++) {
    const m0 = imageMoments(toUnit(big.images.subarray(i * 2500, (i + 1) * 2500)), 50, 50);
    const m1 = imageMoments(toUnit(moved.images.subarray(i * 2500, (i + 1) * 2500)), 50, 50);
    assert.ok(Math.abs(((m1.cx - m0.cx) * 49) / 2 - 6) < 0.05 && Math.abs(((m1.cy - m0.cy) * 49) / 2 + 4) < 0.05);
  }
  // The data set: seeded (the same twice), poses beside the images, slices keep them aligned.
  const a = loadDataset('mnist-pose:N,frame=40', 'test');
  assert.equal(a.width, 40);
  assert.equal(a.poses!.length, 3 * a.n);
  assert.deepEqual(slice(a, 5, 7).poses, a.poses!.subarray(15, 21));
  assert.ok(hasTestPart('mnist-pose:U'));
  for (const bad of ['mnist-pose:X', 'mnist-pose:U,frame=20', 'mnist-pose:N,shift=-1', 'mnist-pose:U,colour=3']) {
    assert.throws(() => loadDataset(bad, 'test'), (err: Error) => err instanceof UserError && /mnist-pose/.test(err.message), bad);
  }
});

test('colour data: IDX N×H×W×C round trip, mnist-colour tints ink and background, and grey models refuse colour in one line', async () => {
  const { readIdxImages, writeIdxImages } = await import('../src/io/idx-file.ts');
  const { slice } = await import('../src/data/dataset.ts');
  const { luminance } = await import('../src/data/resize.ts');
  const { requireChannels } = await import('../src/io/datasets.ts');
  const dir = tempDir();
  // IDX with a trailing channel dimension: written and read back exactly, channels kept.
  const rgb = Uint8Array.from({ length: 2 * 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  const path = join(dir, 'rgb.idx');
  writeIdxImages(path, rgb, 2, 5, 4, 3);
  const back = readIdxImages(path);
  assert.deepEqual([back.n, back.height, back.width, back.channels], [2, 5, 4, 3]);
  assert.deepEqual(back.images, rgb);
  assert.deepEqual(slice(back, 1, 2).images, rgb.subarray(60, 120), 'a slice takes whole pixels of every channel');
  writeFileSync(join(dir, 'five.idx'), encodeIdx(new Uint8Array(2 * 2 * 2 * 5), [2, 2, 2, 5]));
  assert.throws(() => readIdxImages(join(dir, 'five.idx')), (err: Error) => err instanceof UserError && /5 channels \(1 to 4 are read\)/.test(err.message));
  writeFileSync(join(dir, 'rank5.idx'), encodeIdx(new Uint8Array(2), [1, 1, 1, 1, 2]));
  assert.throws(() => readIdxImages(join(dir, 'rank5.idx')), /expected uint8 images N×H×W or N×H×W×C/);

  // Coloured MNIST: each image two colours, mixed by the grey digit; seeded.
  const grey = loadMnist('test');
  const colour = loadDataset('mnist-colour', 'test');
  assert.deepEqual([colour.n, colour.height, colour.width, colour.channels], [10000, 28, 28, 3]);
  assert.deepEqual(colour.labels, grey.labels);
  assert.deepEqual(loadDataset('mnist-colour', 'test').images.subarray(0, 3 * 784 * 5), colour.images.subarray(0, 3 * 784 * 5));
  assert.ok(hasTestPart('mnist-colour'));
  let checked = 0;
  for (let i = 0; checked < 20; i++) {
    const px = (k: number) => Array.from(colour.images.subarray(3 * (i * 784 + k), 3 * (i * 784 + k) + 3));
    const blank = Array.from({ length: 784 }, (_, k) => k).find((k) => grey.images[i * 784 + k] === 0)!;
    const full = Array.from({ length: 784 }, (_, k) => k).find((k) => grey.images[i * 784 + k] === 255);
    if (full === undefined) continue; // a digit with no fully inked pixel shows no pure ink colour
    checked++;
    const [bg, ink] = [px(blank), px(full)];
    // Every background pixel has the background's colour; ink and background differ in luminance.
    for (let k = 0; k < 784; k++) if (grey.images[i * 784 + k] === 0) assert.deepEqual(px(k), bg);
    const l = (c: number[]) => luminance(c[0] / 255, c[1] / 255, c[2] / 255);
    assert.ok(Math.abs(l(ink) - l(bg)) > 0.33 - 0.01, `image ${i}: ${ink} on ${bg}`);
  }
  assert.throws(() => requireChannels(colour, 1, 'mnist-colour'), (err: Error) => err instanceof UserError && /mnist-colour holds 3-channel images, the model takes 1 \(it was trained on grey images\)/.test(err.message));
  requireChannels(grey, 1, 'mnist');
});
