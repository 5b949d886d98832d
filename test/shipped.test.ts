import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeIdx, parseIdx } from '../src/data/idx.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { tempDir } from './helpers.ts';

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const SHIPPED = new URL('../models/mnist-seed/model.json', import.meta.url).pathname;
const skip = existsSync(SHIPPED) ? false : 'no shipped model yet';

test('the shipped model is used without --model, and it works', { skip }, () => {
  const dir = tempDir();
  const input = join(dir, 'digits.idx');
  writeFileSync(input, encodeIdx(loadMnist('test').images.subarray(0, 20 * 784), [20, 28, 28]));
  const out = join(dir, 'out.idx');
  const r = spawnSync(process.execPath, [BIN, 'normalize', input, out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(parseIdx(new Uint8Array(readFileSync(out))).shape, [20, 28, 28]);
  const e = spawnSync(process.execPath, [BIN, 'evaluate', '--limit', '300'], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  const m = JSON.parse(e.stdout);
  // A trained model, not a stub: it reconstructs and classifies far better than chance.
  assert.ok(m.mse < 0.03, `test MSE ${m.mse}`);
  assert.ok(m.accuracy > 0.9, `accuracy ${m.accuracy}`);
});

test('the shipped mnist-rot reads the angle of turned digits and turns them upright', { skip: existsSync(new URL('../models/mnist-rot/model.json', import.meta.url)) ? false : 'no mnist-rot yet' }, async () => {
  const { selectBackend } = await import('../src/tensors/backend.ts');
  const { loadModelDir } = await import('../src/io/model-dir.ts');
  const { rotationMatrix, transformImages } = await import('../src/data/transform-images.ts');
  await selectBackend();
  const model = await loadModelDir(new URL('../models/mnist-rot', import.meta.url).pathname);
  try {
    const n = 40;
    const digits = Float32Array.from(loadMnist('test').images.subarray(0, n * 784), (v) => v / 255);
    const angles = Array.from({ length: n }, (_, i) => -40 + (80 * i) / (n - 1));
    const turned = transformImages(digits, n, 28, 28, angles.map(rotationMatrix));
    const before = model.inferTransform(digits);
    const after = model.inferTransform(turned);
    // The pose of the turned digit relative to the upright one is the applied turn, to a few degrees.
    const errors = angles.map((a, i) => Math.abs(((after[i].rotation - before[i].rotation - a + 540) % 360) - 180));
    const mean = errors.reduce((s, e) => s + e) / n;
    assert.ok(mean < 8, `mean rotation error ${mean.toFixed(1)}°`);
  } finally {
    model.dispose();
  }
});
