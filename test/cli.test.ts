import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { encodeIdx, parseIdx } from '../src/data/idx.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { modelIndex, modelsUnder } from '../src/web/server.ts';
import { saveModelDir } from '../src/io/model-dir.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { loadNativeAddon } from '../src/native/addon.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { progressBar } from '../src/cli/progress.ts';
import { buildModelConfig } from '../src/model/config.ts';
import { tempDir, tinyConfig } from './helpers.ts';

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

/** A user's mistake: one line on stderr, no stack trace, non-zero exit. */
function assertUserError(r: ReturnType<typeof cli>, message: RegExp) {
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `stack trace in: ${r.stderr}`);
}

test('--help works for the program and every command', () => {
  const top = cli('--help');
  assert.equal(top.status, 0);
  for (const c of ['train', 'normalize', 'reconstruct', 'figure', 'evaluate', 'transforms', 'render', 'traverse', 'interpolate', 'serve']) {
    assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
    const r = cli(c, '--help');
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, /Usage: affine-vae/);
  }
});

test('user mistakes get one clear line and a non-zero exit', () => {
  assertUserError(cli('train', '--out', tempDir(), '--epochs', 'x'), /'x' is not a positive integer/);
  assertUserError(cli('train'), /required option '--out <dir>'/);
  assertUserError(cli('normalize', '--model', '/no/such/dir', 'a.png', 'b.png'), /model directory \/no\/such\/dir does not exist/);
  assertUserError(cli('bogus'), /unknown command 'bogus'/);
  // The time budget, the schedule and the recipe refuse what no run could use.
  for (const [flag, value, message] of [
    ['--minutes', '0', /'0' is outside \(0, 100000\]/],
    ['--minutes', 'NaN', /'NaN' is not a number/],
    ['--minutes', '1e400', /'1e400' is not a number/],
    ['--warmup-steps', '-1', /'-1' is not a non-negative integer/],
    ['--schedule', 'sideways', /argument 'sideways' is invalid/],
    ['--recipe', 'slow', /argument 'slow' is invalid/],
    ['--init', join(tempDir(), 'none'), /model directory .*none does not exist/],
    ['--angle-search', '65', /'65' is outside \[0, 64\]/],
    ['--dataset', 'mnist-pose:Q', /mnist-pose: needs U, N or upright/],
    ['--dataset', 'mnist-pose:U,frame=9', /mnist-pose: bad parameter 'frame=9'/],
    ['--channels', '5', /'5' is outside \[1, 4\]/],
    ['--search-pixels', '0', /'0' is outside \[1, 1000000\]/],
    ['--pool-turns', '3', /'3' is not one of 2, 4/],
    ['--search-pixels', '2.5', /'2.5' is not a non-negative integer/],
    ['--kl-warp', 'NaN', /'NaN' is not a number/],
    ['--cluster-weight', 'NaN', /'NaN' is not a number/],
    ['--cluster-weight', '1e5', /'1e5' is outside/],
  ] as const) {
    assertUserError(cli('train', '--out', tempDir(), '--limit', '60', '--hidden', '8', flag, value), message);
  }
  // The clustering options of evaluate.
  assertUserError(cli('evaluate', '--report', tempDir(), '--restarts', '-1'), /'-1' is not a non-negative integer/);
  assertUserError(cli('evaluate', '--report', tempDir(), '--limit', '20', '--plain', join(tempDir(), 'none')), /model directory .*none does not exist/);
  // A colour IDX given to a grey model: one line naming the file.
  const rgb = join(tempDir(), 'rgb.idx');
  writeFileSync(rgb, encodeIdx(new Uint8Array(2 * 784 * 3), [2, 28, 28, 3]));
  assertUserError(cli('normalize', rgb, join(tempDir(), 'out.idx')), /rgb\.idx holds 3-channel images, the model takes 1/);
  assertUserError(cli('train', '--out', tempDir(), '--limit', '60', '--preset', 'affine', '--angle-search', '4'), /angle search needs a warp with an angle latent, not affine/);
  assertUserError(cli('train', '--out', tempDir(), '--limit', '60', '--preset', 'seed', '--moment-align'), /moment alignment needs a warp with an angle latent, not seed/);
  assertUserError(cli('train', '--out', tempDir(), '--limit', '60', '--align-frame', 'sideways'), /argument 'sideways' is invalid. Allowed choices are ink, axis/);
  assertUserError(cli('train', '--out', tempDir(), '--limit', '60', '--preset', 'rotation', '--pool-turns', '2'), /poolTurns needs poolContent/);
  assertUserError(
    cli('train', '--out', tempDir(), '--limit', '60', '--dataset', 'mnist-colour', '--channels', '1'),
    /mnist-colour holds 3-channel images, but --channels is 1 \(drop --channels, or convert the data\)/,
  );
});

test('train, figure, normalize, reconstruct, evaluate, resume: end to end on a tiny run', () => {
  const dir = tempDir();
  const out = join(dir, 'run');
  const t = cli('train', '--out', out, '--limit', '300', '--hidden', '8', '--epochs', '1', '--batch', '50', '--seed', '3');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /backend: wasm/);
  assert.match(t.stderr, /epoch 1\/1: loss/);
  assert.match(t.stderr, /^loss: KL weight 5, cross-entropy weight 0\.01: the labels train the classifier$/m); // the fast recipe's
  for (const f of ['model.json', 'checkpoint.ckpt', 'training-log.json']) assert.ok(existsSync(join(out, f)), f);
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).weightsManifest[0].paths;
  assert.ok(existsSync(join(out, manifest[0])), manifest[0]);

  const again = cli('train', '--out', out, '--limit', '300');
  assertUserError(again, /already holds a training run: pass --resume/);
  const resumed = cli('train', '--out', out, '--resume', '--epochs', '2');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming .* at epoch 2, step 0/);
  assert.equal(JSON.parse(readFileSync(join(out, 'training-log.json'), 'utf8')).length, 2);
  // The page's model list reads the same file: a user's own model shows its epochs.
  assert.equal(modelIndex(modelsUnder(dir)).find((m) => m.name === 'run')?.epochs, 2);

  const fig = join(dir, 'fig.png');
  assert.equal(cli('figure', '--model', out, '--out', fig).status, 0);
  const png = PNG.sync.read(readFileSync(fig));
  assert.equal(png.width, 6 * 28 * 4);
  assert.equal(png.height, (4 * 28 + 1) * 4);

  const test5 = join(dir, 'five.idx');
  writeFileSync(test5, encodeIdx(loadMnist('test').images.subarray(0, 5 * 784), [5, 28, 28]));
  const normIdx = join(dir, 'norm.idx');
  assert.equal(cli('normalize', '--model', out, test5, normIdx).status, 0);
  assert.deepEqual(parseIdx(new Uint8Array(readFileSync(normIdx))).shape, [5, 28, 28]);
  for (const extra of [['--passes', '3'], ['--resample', '--passes', '2']]) {
    const r = cli('normalize', '--model', out, ...extra, test5, join(dir, 'more.idx'));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parseIdx(new Uint8Array(readFileSync(join(dir, 'more.idx')))).shape, [5, 28, 28]);
  }
  assertUserError(cli('normalize', '--model', out, '--passes', '0', test5, normIdx), /--passes/);
  const recPng = join(dir, 'rec.png');
  assert.equal(cli('reconstruct', '--model', out, test5, recPng, '--scale', '2').status, 0);
  assert.equal(PNG.sync.read(readFileSync(recPng)).width, (5 * 28 + 4) * 2);

  // A colour PNG of another size becomes 28×28 grey, with warnings.
  const big = new PNG({ width: 56, height: 40 });
  big.data.fill(0);
  for (let i = 0; i < 56 * 40; i++) big.data[4 * i + 3] = 255;
  for (let y = 10; y < 30; y++) big.data[4 * (y * 56 + 28)] = 255; // a red vertical stroke
  const colour = join(dir, 'colour.png');
  writeFileSync(colour, PNG.sync.write(big));
  const n = cli('normalize', '--model', out, colour, join(dir, 'n.png'));
  assert.equal(n.status, 0, n.stderr);
  assert.match(n.stderr, /warning: .*colour image, converted to grey/);
  assert.match(n.stderr, /warning: .*56×40 image, resized to 28×28/);
  assert.equal(PNG.sync.read(readFileSync(join(dir, 'n.png'))).width, 28);

  const big112 = join(dir, 'big.png');
  const rendered = cli('render', '--model', out, test5, big112, '--size', '112');
  assert.equal(rendered.status, 0, rendered.stderr);
  assert.equal(PNG.sync.read(readFileSync(big112)).width, 5 * 112 + 4);

  const trav = cli('traverse', '--model', out, '--image', test5, '--out', join(dir, 'trav.png'), '--gif', join(dir, 'warp.gif'), '--steps', '5');
  assert.equal(trav.status, 0, trav.stderr);
  assert.equal(PNG.sync.read(readFileSync(join(dir, 'trav.png'))).height, (16 * 28 + 15) * 2);
  assert.equal(readFileSync(join(dir, 'warp.gif')).subarray(0, 6).toString(), 'GIF89a');
  assert.equal(cli('interpolate', test5, recPng, '--model', out, '--out', join(dir, 'interp.png'), '--steps', '4').status, 0);

  const csv = join(dir, 'poses.csv');
  assert.equal(cli('transforms', '--model', out, test5, csv).status, 0);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'index,rotation_deg,scale_x,scale_y,shear,translate_x,translate_y,t00,t01,t10,t11');
  assert.equal(lines.length, 6);
  assert.ok(lines.slice(1).every((l) => l.split(',').length === 11 && l.split(',').every((v) => Number.isFinite(Number(v)))));

  const e = cli('evaluate', '--model', out, '--limit', '100');
  assert.equal(e.status, 0, e.stderr);
  const report = JSON.parse(e.stdout);
  for (const k of ['mse', 'kl', 'crossEntropy', 'accuracy', 'accuracyAtMean']) assert.equal(typeof report[k], 'number', k);
  assert.equal(report.images, 100);
  assert.ok(report.mse > 0 && report.mse < 0.3);

  const rep = join(dir, 'report');
  const full = cli('evaluate', '--model', out, '--report', rep, '--limit', '30', '--references', '100');
  assert.equal(full.status, 0, full.stderr);
  assert.match(full.stderr, /^evaluate: likelihood, 0%$/m); // progress, as plain lines off a terminal
  assert.match(full.stdout, /\| invariance, natural .*\| 1\.000 \|/); // the identity column
  const json = JSON.parse(readFileSync(join(rep, 'report.json'), 'utf8'));
  assert.equal(json.images, 30);
  assert.equal(json.likelihood.images, 10000); // the cheap figures use the whole test set
  for (const k of ['accuracy', 'accuracyAtMean']) assert.ok(json.likelihood[k] >= 0 && json.likelihood[k] <= 1, k);
  assert.equal(typeof json.nearestNeighbourUpright['model resampled'], 'number');
  assert.equal(json.settings.length, 2);
  assert.equal(json.settings[0].invariance.identity, 1);
  for (const f of ['report.md', 'rotation-grid.png', 'angles-natural.svg', 'angle-scatter-hard.svg']) assert.ok(existsSync(join(rep, f)), f);
  assert.match(readFileSync(join(rep, 'angles-natural.svg'), 'utf8'), /^<svg[^]*<rect[^]*<\/svg>$/);
  assertUserError(cli('evaluate', '--model', out, '--dataset', 'cifar'), /unknown dataset 'cifar'/);
  const custom = cli('evaluate', '--model', out, '--report', join(dir, 'r2'), '--limit', '20', '--references', '50', '--no-defaults', '--range', '90,0,0.1');
  assert.equal(custom.status, 0, custom.stderr);
  const c = JSON.parse(readFileSync(join(dir, 'r2', 'report.json'), 'utf8'));
  assert.deepEqual(c.settings.map((x: { name: string; ranges: object }) => [x.name, x.ranges]), [['custom', { rotation: 90, shear: 0, scale: 0.1 }]]);
  assertUserError(cli('evaluate', '--model', out, '--report', rep, '--range', '1,2'), /'1,2' is not ROTATION,SHEAR,SCALE/);

  assertUserError(cli('normalize', '--model', out, join(dir, 'history.txt'), join(dir, 'x.png')), /unknown input type '.txt'/);
  writeFileSync(join(dir, 'bad.idx'), 'garbage');
  assertUserError(cli('normalize', '--model', out, join(dir, 'bad.idx'), join(dir, 'x.idx')), /bad\.idx: not a valid IDX file: bad magic/);
});

test('without the native addon the CLI warns once and runs on the TF.js decoder', () => {
  const dir = tempDir();
  const r = spawnSync(process.execPath, [BIN, 'train', '--out', join(dir, 'run'), '--limit', '100', '--hidden', '4', '--epochs', '1', '--batch', '50'], {
    encoding: 'utf8',
    env: { ...process.env, AFFINE_VAE_NO_NATIVE: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.match(/native engine unavailable/g)?.length, 1);
  assert.match(r.stderr, /decoder engine: tfjs/);
  const forced = spawnSync(process.execPath, [BIN, '--engine', 'native', 'evaluate', '--model', join(dir, 'run')], {
    encoding: 'utf8',
    env: { ...process.env, AFFINE_VAE_NO_NATIVE: '1' },
  });
  assertUserError(forced, /the native engine is unavailable: AFFINE_VAE_NO_NATIVE is set/);
});

test('the CLI names the engine that really runs: a decoder the native engine cannot run is on TF.js, with the reason', { skip: loadNativeAddon().addon ? false : 'native addon unavailable' }, async () => {
  await selectBackend(['wasm', 'cpu']);
  const dir = tempDir();
  const model = new AffineVAE({ ...tinyConfig(4), decoderHidden: [4, 4, 4] }, { seed: 1 });
  await saveModelDir(model, join(dir, 'deep'));
  model.dispose();
  writeFileSync(join(dir, 'in.idx'), encodeIdx(new Uint8Array(2 * 784), [2, 28, 28]));
  const deep = cli('--engine', 'native', 'normalize', '--model', join(dir, 'deep'), join(dir, 'in.idx'), join(dir, 'out.idx'));
  assert.equal(deep.status, 0, deep.stderr);
  assert.equal(deep.stderr.match(/decoder engine/g)?.length, 1, deep.stderr);
  assert.match(deep.stderr, /decoder engine: tfjs \(the native engine cannot run this model \(it runs decoders of exactly two hidden layers; this one has 3\); using the tfjs decoder\)/);
  const shipped = cli('--engine', 'native', 'normalize', join(dir, 'in.idx'), join(dir, 'out.idx'));
  assert.match(shipped.stderr, /decoder engine: native \((avx2|generic), (built|prebuilt), \d+ threads\)/);
});

test('--init starts from a trained model and refuses another architecture; --minutes ends the whole command within its budget', () => {
  const dir = tempDir();
  const common = ['--limit', '600', '--batch', '50', '--seed', '3'];
  const base = join(dir, 'base');
  assert.equal(cli('train', '--out', base, '--hidden', '8', '--epochs', '3', ...common).status, 0);
  const scratch = join(dir, 'scratch');
  assert.equal(cli('train', '--out', scratch, '--hidden', '8', '--epochs', '1', ...common).status, 0);
  const tuned = join(dir, 'tuned');
  const t = cli('train', '--out', tuned, '--init', base, '--epochs', '1', '--ce-weight', '0', ...common);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /^loss: KL weight \S+, cross-entropy weight 0: no labels used$/m);
  assert.match(t.stderr, /starting from .*base/);
  const firstValidationMse = (run: string) => JSON.parse(readFileSync(join(run, 'training-log.json'), 'utf8'))[0].validation.mse;
  assert.ok(firstValidationMse(tuned) < firstValidationMse(scratch), `${firstValidationMse(tuned)} vs ${firstValidationMse(scratch)}`);
  assertUserError(
    cli('train', '--out', join(dir, 'x'), '--init', base, '--hidden', '16', '--epochs', '1', ...common),
    /--init .*base: its architecture differs from this run's \(encoder widths 8\/8 vs 16\/16; decoder widths 8\/8 vs 16\/16; classifier widths 8 vs 16\)/,
  );
  assertUserError(cli('train', '--out', join(dir, 'y'), '--init', base, '--preset', 'rotation', '--hidden', '8', ...common), /--init .*base is a seed model, not rotation/);
  // The same preset typed again is the model's own: its widths and size stay (not the preset's 512s).
  const again = cli('train', '--out', join(dir, 'w'), '--init', base, '--preset', 'seed', '--epochs', '1', ...common);
  assert.equal(again.status, 0, again.stderr);
  assertUserError(cli('train', '--out', join(dir, 'z'), '--init', join(dir, 'none'), ...common), /model directory .*none does not exist/);

  const timed = cli('train', '--out', join(dir, 'timed'), '--hidden', '8', '--minutes', '0.25', ...common);
  assert.equal(timed.status, 0, timed.stderr);
  const done = /done in (\d+\.\d+) of 0\.25 minutes/.exec(timed.stderr);
  assert.ok(done, timed.stderr);
  assert.ok(Number(done[1]) <= 0.25, `took ${done[1]} minutes`);
  assert.ok(existsSync(join(dir, 'timed', 'model.json')));
});

test('a folder of images without class labels trains with the classifier off, unless --ce-weight says otherwise', () => {
  const dir = tempDir();
  const folder = join(dir, 'mine');
  mkdirSync(folder);
  const digits = loadMnist('test').images;
  for (let i = 0; i < 12; i++) {
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) png.data.set([digits[i * 784 + p], digits[i * 784 + p], digits[i * 784 + p], 255], 4 * p);
    writeFileSync(join(folder, `d${i}.png`), PNG.sync.write(png));
  }
  const crossEntropyOf = (run: string) => JSON.parse(readFileSync(join(run, 'model.json'), 'utf8')).modelTopology.config.loss.crossEntropy;
  const off = cli('train', '--out', join(dir, 'off'), '--dataset', `dir:${folder}`, '--hidden', '8', '--epochs', '1', '--batch', '6', '--validation-split', '0.25');
  assert.equal(off.status, 0, off.stderr);
  assert.match(off.stderr, /has no class labels \(one class\): the classifier's loss is off/);
  assert.equal(crossEntropyOf(join(dir, 'off')), 0);
  const on = cli('train', '--out', join(dir, 'on'), '--dataset', `dir:${folder}`, '--hidden', '8', '--epochs', '1', '--batch', '6', '--validation-split', '0.25', '--ce-weight', '0.01');
  assert.equal(on.status, 0, on.stderr);
  assert.doesNotMatch(on.stderr, /no class labels/);
  assert.equal(crossEntropyOf(join(dir, 'on')), 0.01);
});

test('Ctrl-C saves a checkpoint and exits; --resume continues', async () => {
  const out = join(tempDir(), 'run');
  const child = spawn(process.execPath, [BIN, 'train', '--out', out, '--limit', '2000', '--hidden', '8', '--epochs', '20', '--batch', '20'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const started = new Promise<void>((resolve) =>
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('training seed')) resolve();
    }),
  );
  await started;
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /saved .*checkpoint\.ckpt at epoch \d+, step \d+; continue with --resume/);
  const r = cli('train', '--out', out, '--resume', '--epochs', '1');
  assert.match(r.stderr, /resuming/);
  assert.equal(r.status, 0, r.stderr);
});

test('render --pose draws each input at the pose asked for (rotation=90: the normalized digit turned counter-clockwise)', () => {
  const dir = tempDir();
  const input = join(dir, 'three.idx');
  writeFileSync(input, encodeIdx(loadMnist('test').images.subarray(0, 3 * 784), [3, 28, 28]));
  const upright = join(dir, 'upright.idx');
  const turned = join(dir, 'turned.idx');
  assert.equal(cli('render', '--size', '28', input, upright).status, 0);
  const r = cli('render', '--size', '28', '--pose', 'rotation=90', input, turned);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /rendered 3 images at 28×28 \(at pose \{"rotation":90\}\)/);
  const a = parseIdx(new Uint8Array(readFileSync(upright))).data;
  const b = parseIdx(new Uint8Array(readFileSync(turned))).data;
  let worst = 0;
  for (let i = 0; i < 3; i++) {
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) worst = Math.max(worst, Math.abs(b[i * 784 + y * 28 + x] - a[i * 784 + x * 28 + (27 - y)]));
  }
  assert.ok(worst <= 1, `differs by ${worst} grey levels`);
  const shifted = cli('render', '--pose', 'rotation=30,shear=0.1,scale=1.2,shift=0.1,-0.05', input, join(dir, 'any.png'));
  assert.equal(shifted.status, 0, shifted.stderr);
  assertUserError(cli('render', '--pose', 'spin=3', input, join(dir, 'x.png')), /unknown --pose key 'spin'/);
  assertUserError(cli('render', '--pose', 'shift=1', input, join(dir, 'x.png')), /shift takes two numbers/);
  assertUserError(cli('render', '--pose', 'rotation=9', '--reconstructed', input, join(dir, 'x.png')), /cannot be used with option '--reconstructed'/);
});

test('off a terminal, the progress bar writes a plain line at most every 30 seconds, with the time left', () => {
  const lines: string[] = [];
  const bar = progressBar('evaluate', (m) => lines.push(m), false);
  bar.update({ phase: 'likelihood', done: 0, total: 100 });
  bar.update({ phase: 'normalizing (model)', done: 50, total: 100 }); // within 30 s of the last line: quiet
  bar.update({ phase: 'done', done: 100, total: 100 }); // the end needs no line
  bar.stop();
  assert.deepEqual(lines, ['evaluate: likelihood, 0%']);
  const realNow = performance.now.bind(performance);
  let shift = 0;
  performance.now = () => realNow() + shift;
  try {
    const later: string[] = [];
    const timed = progressBar('evaluate', (m) => later.push(m), false);
    timed.update({ phase: 'likelihood', done: 0, total: 100 });
    shift = 31_000;
    timed.update({ phase: 'normalizing (model)', done: 25, total: 100 });
    assert.equal(later.length, 2);
    // A quarter done in 31 s: three quarters left at that rate, 93 s.
    assert.equal(later[1], 'evaluate: normalizing (model), 25%, 1:33 left');
  } finally {
    performance.now = realNow;
  }
});

test('--angle-search, --moment-align and --align-frame read a model another way, as if its model.json said so', async () => {
  await selectBackend(['wasm', 'cpu']);
  const dir = tempDir();
  const config = buildModelConfig('rotation-translation', { hidden: 8 });
  const own = new AffineVAE(config, { seed: 7 });
  const searching = new AffineVAE({ ...config, angleSearch: 4 }, { seed: 8 });
  searching.setNamedWeights(own.namedWeights());
  const affine = new AffineVAE(buildModelConfig('affine', { hidden: 8 }), { seed: 7 });
  await saveModelDir(own, join(dir, 'own'));
  await saveModelDir(searching, join(dir, 'searching'));
  await saveModelDir(affine, join(dir, 'affine'));
  [own, searching, affine].forEach((m) => m.dispose());
  const five = join(dir, 'five.idx');
  writeFileSync(five, encodeIdx(loadMnist('test').images.subarray(0, 5 * 784), [5, 28, 28]));
  const poses = (model: string, ...flags: string[]) => {
    const csv = join(dir, `${model}${flags.join('')}.csv`);
    const r = cli('transforms', '--model', join(dir, model), ...flags, five, csv);
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(csv, 'utf8');
  };
  assert.equal(poses('own', '--angle-search', '4'), poses('searching'));
  assert.notEqual(poses('own'), poses('searching'));
  assert.equal(poses('searching', '--angle-search', '0'), poses('own'));
  assertUserError(cli('transforms', '--model', join(dir, 'own'), '--angle-search', '65', five, join(dir, 'x.csv')), /'65' is outside \[0, 64\]/);
  assertUserError(cli('normalize', '--model', join(dir, 'affine'), '--angle-search', '4', five, join(dir, 'x.idx')), /--angle-search 4 on .*affine: angle search needs a warp with an angle latent, not affine/);

  // --moment-align and --align-frame read the same weights as a model saved aligned.
  const aligned = new AffineVAE({ ...config, momentAlign: true, alignFrame: 'axis', angleSearch: 2 }, { seed: 9 });
  const weights = new AffineVAE(config, { seed: 7 });
  aligned.setNamedWeights(weights.namedWeights());
  await saveModelDir(aligned, join(dir, 'aligned'));
  [aligned, weights].forEach((m) => m.dispose());
  assert.equal(poses('own', '--moment-align', '--align-frame', 'axis', '--angle-search', '2'), poses('aligned'));
  assert.notEqual(poses('own', '--moment-align', '--angle-search', '2'), poses('aligned'), 'the ink frame is not the axis frame');
  assertUserError(cli('transforms', '--model', join(dir, 'affine'), '--moment-align', five, join(dir, 'x.csv')), /--moment-align on .*affine: moment alignment needs a warp with an angle latent, not affine/);
  assertUserError(cli('transforms', '--model', join(dir, 'own'), '--align-frame', 'sideways', five, join(dir, 'x.csv')), /argument 'sideways' is invalid/);
});
