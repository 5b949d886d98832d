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
