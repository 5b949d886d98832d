import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { PNG } from 'pngjs';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { luminanceMass, momentNormalize } from '../src/eval/moments.ts';
import { loadDataset, requireChannels } from '../src/io/datasets.ts';
import { readIdxImages, writeIdxImages } from '../src/io/idx-file.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { encodePng, readPngAsInput } from '../src/io/png.ts';
import { SEED_TRAIN, architectureDifferences, buildModelConfig } from '../src/model/config.ts';
import { CoordinateDecoder } from '../src/model/decoder.ts';
import { tfjsEngine } from '../src/model/engine.ts';
import { Rng } from '../src/model/rng.ts';
import { rotationMatrix, transformImages } from '../src/model/transform-images.ts';
import { AffineVAE, layerShapes } from '../src/model/vae.ts';
import { gridValues } from '../src/model/warp.ts';
import { loadNativeAddon } from '../src/native/addon.ts';
import { nativeEngine } from '../src/native/engine.ts';
import { objective } from '../src/objective/objective.ts';
import { lossParts } from '../src/objective/terms.ts';
import { stack, tile, upscale } from '../src/render/figure.ts';
import { Trainer } from '../src/train/trainer.ts';
import { maxAbsDiff, tempDir, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const { addon } = loadNativeAddon();

/** `n` RGB images 28 × 28: a seeded colour set's first ones. */
function colourImages(n: number) {
  return slice(loadDataset('mnist-colour', 'test'), 0, n);
}

test('channels: absent keeps the grey architecture; C = 3 reads H·W·3 values and draws 3 outputs per point', () => {
  const grey = buildModelConfig('seed');
  assert.equal('channels' in grey, false, 'the seed preset is the original, field for field');
  assert.equal('klWarp' in grey.loss, false, 'the seed preset has one KL weight');
  const shapes = layerShapes(grey);
  assert.equal(shapes[0].inputs, 784);
  assert.equal(shapes.find((s) => s.name === 'decoder/dense3')!.units, 1);
  const colour = buildModelConfig('seed', { channels: 3 });
  const cs = layerShapes(colour);
  assert.equal(cs[0].inputs, 784 * 3);
  assert.equal(cs.find((s) => s.name === 'decoder/dense3')!.units, 3);
  assert.deepEqual(architectureDifferences(grey, colour), ['channels 1 vs 3']);
  assert.throws(() => buildModelConfig('seed', { channels: 5 }), /channels must be an integer from 1 to 4, got 5/);
  assert.throws(() => buildModelConfig('seed', { channels: 0 }), /channels must be an integer from 1 to 4/);
  // layerShapes is what a saved model is checked against: it must match the layers built.
  const model = new AffineVAE(tinyConfig(8, { channels: 3 }), { seed: 1 });
  assert.deepEqual(layerShapes(model.config).map((l) => [l.name, l.inputs, l.units]), model.layers.map((d) => [d.name, d.inputs, d.units]));
  assert.equal(model.values, 784 * 3);
  model.dispose();
});

test('a C-output decoder draws channel k as a grey decoder with the output column k would', () => {
  const rng = new Rng(3);
  const colour = new CoordinateDecoder(4, [12, 10], rng, 3);
  const grey = new CoordinateDecoder(4, [12, 10], new Rng(4));
  [...colour.hidden].forEach((d, i) => {
    grey.hidden[i].kernel.assign(d.kernel);
    grey.hidden[i].bias.assign(d.bias);
  });
  colour.output.bias.assign(tf.tensor1d([0.3, -0.2, 0.1]));
  const grid = tf.tensor2d(gridValues(6, 6), [36, 2]);
  const content = tf.tensor2d(rng.normals(2 * 4), [2, 4]);
  const out = colour.decode(content, null, grid).arraySync() as number[][]; // 2 × 36·3
  assert.equal(out[0].length, 36 * 3);
  for (let k = 0; k < 3; k++) {
    grey.output.kernel.assign(tf.slice(colour.output.kernel, [0, k], [10, 1]));
    grey.output.bias.assign(tf.slice(colour.output.bias, [k], [1]));
    const g = grey.decode(content, null, grid).arraySync() as number[][];
    for (let b = 0; b < 2; b++) {
      const channel = out[b].filter((_, i) => i % 3 === k); // each point's channels are adjacent
      assert.ok(maxAbsDiff(channel, g[b]) < 1e-6, `channel ${k}`);
    }
  }
});

test('the loss sums over channels; the MSE metric is the mean over every value', () => {
  const labels = tf.tensor1d([0, 1], 'int32');
  const mean = tf.zeros([2, 3]) as tf.Tensor2D;
  const scale = tf.ones([2, 3]) as tf.Tensor2D;
  const logits = tf.zeros([2, 10]) as tf.Tensor2D;
  const image = { loss: tf.scalar(12), sse: tf.scalar(12) };
  const config = buildModelConfig('seed').loss;
  const grey = lossParts(config, image, 100, mean, scale, logits, labels, 2, { channels: 1 });
  const rgb = lossParts(config, image, 100, mean, scale, logits, labels, 2, { channels: 3 });
  // The same summed error over 3× the values: the same reconstruction term, a third of the MSE.
  assert.equal(rgb.reconstruction.dataSync()[0], grey.reconstruction.dataSync()[0]);
  assert.ok(Math.abs(rgb.mse.dataSync()[0] - 12 / (2 * 100 * 3)) < 1e-9);
});

test('pixel subsampling picks every channel of the chosen pixels', () => {
  const model = new AffineVAE(tinyConfig(8, { channels: 3 }), { seed: 2 });
  const set = colourImages(4);
  const x = tf.tensor2d(toUnit(set.images), [4, model.values]);
  const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
  const eps = tf.zeros([4, model.latent]) as tf.Tensor2D;
  const keep = Int32Array.from([0, 5, 300, 783]);
  const parts = objective(model, x, labels, eps, 4, { training: false, pixelIndices: keep });
  // By hand: the reconstruction at the posterior mean, its chosen pixels' three values each.
  const y = model.reconstruct(toUnit(set.images));
  const t = toUnit(set.images);
  let sse = 0;
  for (let b = 0; b < 4; b++) for (const p of keep) for (let c = 0; c < 3; c++) sse += (y[b * model.values + p * 3 + c] - t[b * model.values + p * 3 + c]) ** 2;
  assert.ok(Math.abs(parts.mse.dataSync()[0] - sse / (4 * keep.length * 3)) < 1e-6, `${parts.mse.dataSync()[0]} vs ${sse / (4 * keep.length * 3)}`);
  model.dispose();
});

test('transformImages moves every channel as the grey image of that channel, and fills with the background', () => {
  // Coloured digits on black: every channel moves exactly as a grey image would.
  const digits = toUnit(slice(loadDataset('mnist', 'test'), 0, 3).images);
  const ink = [0.2, 0.7, 1];
  const x = new Float32Array(3 * 784 * 3).map((_, i) => digits[Math.floor(i / 3)] * ink[i % 3]);
  const T = [rotationMatrix(30), rotationMatrix(-75), [1, 0.3, 0, 1] as [number, number, number, number]];
  const t: [number, number][] = [[0.1, -0.2], [0, 0], [-0.3, 0.05]];
  const moved = transformImages(x, 3, 28, 28, T, t, 3);
  for (let c = 0; c < 3; c++) {
    const greyMoved = transformImages(digits, 3, 28, 28, T, t).map((v) => v * ink[c]);
    assert.ok(maxAbsDiff(moved.filter((_, i) => i % 3 === c), greyMoved) < 1e-6, `channel ${c}`);
  }
  // On a coloured ground, what comes from outside the picture is the ground's colour, not black.
  const ground = new Float32Array(784 * 3).map((_, i) => [0.9, 0.5, 0.1][i % 3]);
  const turned = transformImages(ground, 1, 28, 28, [rotationMatrix(45)], [[0.3, 0.3]], 3);
  assert.ok(maxAbsDiff(turned, ground) < 1e-5, `${maxAbsDiff(turned, ground)}`);
});

test('moment baselines measure colour images on their luminance, and move every channel alike', () => {
  const digits = toUnit(slice(loadDataset('mnist', 'test'), 0, 3).images);
  const ink = [0.9, 0.4, 0.1];
  // Ink on black: the luminance mass is the digit times the ink's luminance, so the moments are the grey digit's.
  const colour = new Float32Array(3 * 784 * 3);
  for (let i = 0; i < 3 * 784; i++) for (let c = 0; c < 3; c++) colour[3 * i + c] = digits[i] * ink[c];
  const grey = momentNormalize(digits, 3, 28, 28, true);
  const moved = momentNormalize(colour, 3, 28, 28, true, 3);
  for (let c = 0; c < 3; c++) assert.ok(maxAbsDiff(moved.filter((_, i) => i % 3 === c), grey.map((v) => v * ink[c])) < 1e-5, `channel ${c}`);
  // On a light background, dark ink weighs as much as light ink on a dark one.
  const paper = new Float32Array(784 * 3);
  for (let i = 0; i < 784; i++) for (let c = 0; c < 3; c++) paper[3 * i + c] = 0.9 - 0.6 * digits[i];
  const mass = luminanceMass(paper, 28, 28, 3);
  assert.ok(maxAbsDiff(mass, digits.subarray(0, 784).map((v) => 0.6 * v)) < 1e-5);
});

test('pictures tile, stack and upscale with their channels; PNG writes RGB and reads it back', () => {
  const set = colourImages(4);
  const x = toUnit(set.images);
  const grid = tile(x, 4, 28, 28, 2, 1, 0.5, 3);
  assert.deepEqual([grid.width, grid.height, grid.channels], [57, 57, 3]);
  // Image 3 (bottom right) starts at (29, 29); its first pixel's three values.
  assert.deepEqual(Array.from(grid.pixels.subarray((29 * 57 + 29) * 3, (29 * 57 + 29) * 3 + 3)), Array.from(x.subarray(3 * 2352, 3 * 2352 + 3)));
  assert.deepEqual(Array.from(grid.pixels.subarray(28 * 3, 28 * 3 + 3)), [0.5, 0.5, 0.5]); // the gap
  const big = upscale(stack([grid, grid], 2), 2);
  assert.deepEqual([big.width, big.height, big.channels], [114, 232, 3]);
  const png = PNG.sync.read(Buffer.from(encodePng({ pixels: x.subarray(0, 2352), width: 28, height: 28, channels: 3 })));
  for (let i = 0; i < 784; i++) for (let c = 0; c < 3; c++) assert.equal(png.data[4 * i + c], set.images[3 * i + c]);
  assert.throws(() => stack([grid, tile(x, 1, 28, 57, 1)]), /differ in channels/);
});

test('a colour PNG is read in colour, alpha composited over black, and resized with its aspect', () => {
  const dir = tempDir();
  const png = new PNG({ width: 4, height: 2 });
  for (let i = 0; i < 8; i++) png.data.set([200, 100, 50, i < 4 ? 255 : 128], 4 * i);
  const path = join(dir, 'a.png');
  writeFileSync(path, PNG.sync.write(png));
  const { pixels } = readPngAsInput(path, 4, 2, undefined, 3);
  assert.deepEqual(Array.from(pixels.subarray(0, 3)), [200, 100, 50]);
  assert.deepEqual(Array.from(pixels.subarray(12, 15)), [100, 50, 25]); // half transparent over black
  const rgba = readPngAsInput(path, 4, 2, undefined, 4).pixels;
  assert.deepEqual(Array.from(rgba.subarray(16, 20)), [200, 100, 50, 128]);
  const { pixels: square, warnings } = readPngAsInput(path, 8, 8, undefined, 3);
  assert.equal(square.length, 8 * 8 * 3);
  assert.deepEqual(Array.from(square.subarray(0, 3)), [0, 0, 0]); // padding above the 8 × 4 picture
  assert.match(warnings[0], /4×2 image, resized to 8×8/);
  assert.throws(() => readPngAsInput(path, 4, 2, undefined, 2), /a PNG gives grey, RGB or RGBA images; the model takes 2 channels/);
});

test('dir: keeps colour with channels 3 and is grey otherwise', () => {
  const dir = tempDir();
  mkdirSync(join(dir, '3'));
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) png.data.set([10, 200, 30, 255], 4 * i);
  writeFileSync(join(dir, '3', 'g.png'), PNG.sync.write(png));
  const colour = loadDataset(`dir:${dir}`, 'train', { channels: 3 });
  assert.equal(colour.channels, 3);
  assert.deepEqual(Array.from(colour.images.subarray(0, 3)), [10, 200, 30]);
  assert.deepEqual(Array.from(colour.labels!), [3]);
  const grey = loadDataset(`dir:${dir}`, 'train');
  assert.equal(grey.channels, undefined);
  assert.equal(grey.images.length, 784);
  assert.throws(() => loadDataset(`dir:${dir}`, 'train', { channels: 2 }), /read grey \(1 channel\), RGB \(3\) or RGBA \(4\), not 2 channels/);
});

test('data and model channels that differ are refused in one line naming the data', () => {
  const set = colourImages(2);
  assert.throws(() => requireChannels(set, 1, 'mnist-colour'), /mnist-colour holds 3-channel images, the model takes 1 \(it was trained on grey images\)/);
  assert.throws(() => requireChannels(slice(loadDataset('mnist', 'test'), 0, 2), 3, 'mnist', 'option'), /mnist holds 1-channel images, but --channels is 3 \(drop --channels, or convert the data\)/);
  requireChannels(set, 3, 'mnist-colour');
});

test('an old model, saved before channels, loads as grey', async () => {
  const model = await loadModelDir(new URL('../models/mnist-seed', import.meta.url).pathname, { warn: () => {} });
  assert.equal(model.config.channels, undefined);
  assert.equal(model.channels, 1);
  assert.equal(model.normalize(new Float32Array(784)).length, 784);
  model.dispose();
});

test('a colour model trains: its loss falls, and the native engine matches TF.js step for step', { skip: addon ? false : 'no native addon' }, () => {
  const split = validationSplit(slice(loadDataset('mnist-colour', 'train'), 0, 120), 0.1);
  const run = (native: boolean, steps: number, learningRate: number) => {
    const model = new AffineVAE(tinyConfig(24, { channels: 3 }), { seed: 8, engine: native ? nativeEngine(addon!, 2) : tfjsEngine });
    const trainer = new Trainer(model, split, { ...SEED_TRAIN, batch: 30, seed: 2, learningRate }, { microBatch: 13 });
    const idx = Int32Array.from({ length: 30 }, (_, i) => i);
    const losses = Array.from({ length: steps }, () => trainer.trainStep(split.train, idx).loss);
    const weights = Object.fromEntries(Object.entries(model.namedWeights()).map(([k, v]) => [k, v.dataSync().slice()]));
    trainer.dispose();
    model.dispose();
    return { losses, weights };
  };
  const long = run(true, 8, 3e-3);
  assert.ok(long.losses[7] < 0.8 * long.losses[0], `loss ${long.losses[0]} → ${long.losses[7]}`);
  // As for grey models (native.test.ts): two steps, weights within a hundredth of Adam's step.
  const n = run(true, 2, 1e-3);
  const t = run(false, 2, 1e-3);
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(n.losses[i] - t.losses[i]) < 1e-5 * t.losses[i], `step ${i}: ${n.losses[i]} vs ${t.losses[i]}`);
  for (const name of Object.keys(t.weights)) assert.ok(maxAbsDiff(n.weights[name], t.weights[name]) < 1e-5, `${name}: ${maxAbsDiff(n.weights[name], t.weights[name])}`);
});

test('the CLI trains a colour model on mnist-colour and every command writes colour', () => {
  const dir = tempDir();
  const out = join(dir, 'run');
  const r = cli('train', '--out', out, '--dataset', 'mnist-colour', '--limit', '300', '--epochs', '1', '--hidden', '16', '--batch', '50');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology.config.channels, 3);
  // Inputs: colour IDX and a colour PNG.
  const set = colourImages(5);
  const idx = join(dir, 'in.idx');
  writeIdxImages(idx, set.images, 5, 28, 28, 3);
  writeFileSync(join(dir, 'one.png'), encodePng({ pixels: toUnit(set.images.subarray(0, 2352)), width: 28, height: 28, channels: 3 }));
  const runs: [string[], string][] = [
    [['normalize', '--model', out, idx, join(dir, 'n.idx')], 'n.idx'],
    [['normalize', '--model', out, '--resample', idx, join(dir, 'u.png')], 'u.png'],
    [['reconstruct', '--model', out, join(dir, 'one.png'), join(dir, 'r.png')], 'r.png'],
    [['render', '--model', out, '--size', '40', idx, join(dir, 'big.png')], 'big.png'],
    [['traverse', '--model', out, '--image', join(dir, 'one.png'), '--out', join(dir, 't.png'), '--gif', join(dir, 't.gif')], 't.gif'],
    [['interpolate', '--model', out, join(dir, 'one.png'), join(dir, 'one.png'), '--out', join(dir, 'i.png')], 'i.png'],
    [['transforms', '--model', out, idx, join(dir, 't.csv')], 't.csv'],
  ];
  for (const [args, file] of runs) {
    const rr = cli(...args);
    assert.equal(rr.status, 0, `${args[0]}: ${rr.stderr}`);
    assert.ok(existsSync(join(dir, file)), file);
  }
  const normalized = readIdxImages(join(dir, 'n.idx'));
  assert.deepEqual([normalized.n, normalized.channels], [5, 3]);
  // Byte 25 of a PNG is the IHDR colour type: 2 is RGB.
  for (const f of ['u.png', 'r.png', 'big.png', 'i.png']) assert.equal(readFileSync(join(dir, f))[25], 2, `${f} is RGB`);
  assert.equal(readFileSync(join(dir, 't.csv'), 'utf8').trim().split('\n').length, 6);
  // figure draws coloured digits; evaluate's suite runs on the colour set, its baselines on the luminance.
  assert.equal(cli('figure', '--model', out, '--out', join(dir, 'f.png')).status, 0);
  assert.equal(readFileSync(join(dir, 'f.png'))[25], 2);
  const report = join(dir, 'report');
  const ev = cli('evaluate', '--model', out, '--dataset', 'mnist-colour', '--report', report, '--limit', '60', '--references', '200', '--restarts', '1');
  assert.equal(ev.status, 0, ev.stderr);
  const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
  assert.ok(json.settings[0].invariance['moment rotate'] > 0 && json.clustering.length === 3);
  assert.equal(readFileSync(join(report, 'rotation-grid.png'))[25], 2);
  // A grey model refuses colour input, a colour model grey input: one line naming the file.
  const seed = join(import.meta.dirname, '../models/mnist-seed');
  const refused = cli('normalize', '--model', seed, idx, join(dir, 'g.idx'));
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /in\.idx holds 3-channel images, the model takes 1 \(it was trained on grey images\)/);
  const greyIdx = join(dir, 'grey.idx');
  writeIdxImages(greyIdx, new Uint8Array(2 * 784), 2, 28, 28);
  assert.match(cli('normalize', '--model', out, greyIdx, join(dir, 'g.idx')).stderr, /grey\.idx holds 1-channel images, the model takes 3 \(it was trained on 3-channel images\)/);
});
