import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { readCheckpoint } from '../src/io/checkpoint.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { tempDir, tf, useBackend } from './helpers.ts';

/**
 * Fault injection: a training run killed (SIGKILL) just before each of its atomic renames in
 * turn. After every kill the directory holds one whole model of one epoch (or none yet), and
 * continuing the run gives exactly the uninterrupted run's weights.
 */

before(useBackend);

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const RUN = ['--limit', '120', '--hidden', '8', '--epochs', '2', '--batch', '40', '--seed', '5', '--validation-split', '0.1'];
const train = (out: string, args: string[], killAt?: number) =>
  spawnSync(process.execPath, [BIN, 'train', '--out', out, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, AFFINE_VAE_KILL_AT_RENAME: killAt ? String(killAt) : '' },
  });

/** The final weights of a run: the manifest's file name (a content hash) and its bytes. */
function finalWeights(out: string): { name: string; bytes: Buffer } {
  const name = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  return { name, bytes: readFileSync(join(out, name)) };
}

test('a run killed before any of its atomic renames leaves a whole model, and resumes to the same weights', async () => {
  const straight = join(tempDir(), 'straight');
  const r = train(straight, RUN);
  assert.equal(r.status, 0, r.stderr);
  const expected = finalWeights(straight);
  // The weights after epoch 1 alone (the same run, stopped there).
  const one = join(tempDir(), 'one');
  assert.equal(train(one, RUN.map((v, i) => (RUN[i - 1] === '--epochs' ? '1' : v))).status, 0);
  const byEpoch = [null, finalWeights(one).bytes, expected.bytes];
  let kills = 0;
  for (let at = 1; ; at++) {
    const out = join(tempDir(), `killed-${at}`);
    const killed = train(out, RUN, at);
    if (killed.status === 0) break; // the run has fewer renames than `at`
    assert.equal(killed.signal, 'SIGKILL', `rename ${at}: ${killed.stderr}`);
    kills++;
    // What the kill left: a temporary file perhaps, and a model (if any) that loads whole, with
    // the history of the epochs its weights come from.
    if (existsSync(join(out, 'model.json'))) {
      const model = await loadModelDir(out);
      const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
      const epochs = json.userDefinedMetadata.history.length;
      assert.ok(epochs >= 1, `rename ${at}: a model without an epoch`);
      // Its weights are those of the epochs its model.json records: never a mix of two epochs.
      assert.ok(finalWeights(out).bytes.equals(byEpoch[epochs]!), `rename ${at}: model.json of epoch ${epochs} with other weights`);
      model.dispose();
    }
    const hasCheckpoint = existsSync(join(out, 'checkpoint.ckpt'));
    if (hasCheckpoint) {
      const ckpt = readCheckpoint(join(out, 'checkpoint.ckpt'));
      tf.dispose([...Object.values(ckpt.snapshot.weights), ...Object.values(ckpt.snapshot.optimizer)]);
    }
    const tmp = readdirSync(out).filter((f) => f.endsWith('.tmp'));
    // Continue: from the checkpoint when there is one, else from scratch.
    const again = hasCheckpoint ? train(out, ['--resume']) : train(out, [...RUN, '--force']);
    assert.equal(again.status, 0, `rename ${at}: ${again.stderr}`);
    for (const f of tmp) assert.ok(!existsSync(join(out, f)), `rename ${at}: stale ${f} left`);
    const got = finalWeights(out);
    assert.equal(got.name, expected.name, `rename ${at}: other weights`);
    assert.ok(got.bytes.equals(expected.bytes), `rename ${at}: other weights`);
    // Nothing half-written and nothing stale is left.
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp') || (f.endsWith('.bin') && f !== got.name)), [], `rename ${at}`);
  }
  assert.ok(kills >= 8, `only ${kills} renames`);
});

test('--resume refuses options that contradict the checkpoint; a corrupt checkpoint is refused', () => {
  const out = join(tempDir(), 'run');
  assert.equal(train(out, ['--limit', '60', '--hidden', '8', '--epochs', '1', '--batch', '30']).status, 0);
  for (const [flag, value, message] of [
    ['--hidden', '16', /--hidden 16 contradicts the checkpoint's 8/],
    ['--preset', 'rotation', /--preset rotation contradicts the checkpoint's seed/],
    ['--dataset', 'fashion-mnist', /--dataset fashion-mnist contradicts the checkpoint's mnist/],
    ['--learning-rate', '0.01', /--learning-rate 0.01 contradicts the checkpoint's 0.002/],
    ['--recipe', 'seed', /--recipe seed contradicts the checkpoint's fast/],
  ] as const) {
    const r = train(out, ['--resume', '--epochs', '2', flag, value]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, message);
  }
  // Options equal to the run's are fine.
  const same = train(out, ['--resume', '--epochs', '1', '--hidden', '8', '--limit', '60']);
  assert.equal(same.status, 0, same.stderr);
  // A flipped byte in the body fails its checksum.
  const bad = join(tempDir(), 'bad');
  cpSync(out, bad, { recursive: true });
  const ckpt = readFileSync(join(bad, 'checkpoint.ckpt'));
  ckpt[ckpt.length - 5] ^= 0x40;
  writeFileSync(join(bad, 'checkpoint.ckpt'), ckpt);
  const r = train(bad, ['--resume', '--epochs', '2']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /corrupt checkpoint: its weights do not match their checksum/);
});

test('a checkpoint whose body holds NaN is refused even with a valid checksum', async () => {
  const { writeCheckpoint } = await import('../src/io/checkpoint.ts');
  const { buildModelConfig, SEED_TRAIN } = await import('../src/model/config.ts');
  const path = join(tempDir(), 'nan.ckpt');
  const weights = { 'a/kernel': tf.tensor1d([1, Number.NaN, 3]) };
  const state = { epoch: 0, step: 1 } as never;
  await writeCheckpoint(path, { model: buildModelConfig('seed', { hidden: 8 }), train: SEED_TRAIN, extra: {} }, { state, weights, optimizer: {} });
  assert.throws(() => readCheckpoint(path), /corrupt checkpoint: it holds a non-finite value \(NaN\)/);
  tf.dispose(Object.values(weights));
});

test('a checkpoint whose schedule or plan is not what a run writes is refused', async () => {
  const { writeCheckpoint } = await import('../src/io/checkpoint.ts');
  const { buildModelConfig, SEED_TRAIN } = await import('../src/model/config.ts');
  const path = join(tempDir(), 'plan.ckpt');
  const weights = { 'a/kernel': tf.tensor1d([1, 2, 3]) };
  const model = buildModelConfig('seed', { hidden: 8 });
  for (const [train, state, message] of [
    [SEED_TRAIN, { epoch: 0, step: 1, plannedSteps: -3 }, /corrupt checkpoint: bad plan \(-3 steps/],
    [SEED_TRAIN, { epoch: 0, step: 1, decayFrom: 1e300 }, /corrupt checkpoint: bad plan/],
    [{ ...SEED_TRAIN, schedule: 'sideways' }, { epoch: 0, step: 1 }, /corrupt checkpoint: unknown schedule 'sideways'/],
    [{ ...SEED_TRAIN, minutes: -1 }, { epoch: 0, step: 1 }, /corrupt checkpoint: bad minutes -1/],
  ] as const) {
    await writeCheckpoint(path, { model, train: train as never, extra: {} }, { state: state as never, weights, optimizer: {} });
    assert.throws(() => readCheckpoint(path), message);
  }
  tf.dispose(Object.values(weights));
});
