import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { encodeIdx } from '../src/data/idx.ts';
import { UserError } from '../src/io/files.ts';
import { readIdxFile, readIdxImages } from '../src/io/idx-file.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { decodeImage } from '../src/io/png.ts';
import { MODELS_ROOT } from '../src/io/shipped.ts';
import { CONTENT_SECURITY_POLICY, createWebServer, modelIndex, modelsUnder } from '../src/web/server.ts';
import { tempDir, useBackend } from './helpers.ts';

/**
 * Hostile files and requests: each case ends in a clear error (or a 404), reads nothing outside
 * what it should, and allocates nothing for what it refuses.
 */

before(useBackend);

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

/** A copy of the shipped mnist-seed to spoil. */
function modelCopy(): string {
  const dir = join(tempDir(), 'm');
  cpSync(join(MODELS_ROOT, 'mnist-seed'), dir, { recursive: true });
  return dir;
}

function editJson(path: string, edit: (json: any) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

async function rejectsWith(load: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(load, (err: Error) => {
    assert.ok(err instanceof UserError, `not a UserError: ${err.stack}`);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return true;
  });
}

test('model loading: manifest paths are plain names in the directory, regular files only', async () => {
  for (const path of ['../../../../dev/zero', '../../etc/passwd', '/etc/passwd', '.hidden', 'a/b.bin']) {
    const dir = modelCopy();
    editJson(join(dir, 'model.json'), (j) => (j.weightsManifest[0].paths = [path]));
    await rejectsWith(loadModelDir(dir), /is not a plain file name in the model directory/);
  }
  // A link out of the directory, even with a plain name.
  const linked = modelCopy();
  editJson(join(linked, 'model.json'), (j) => (j.weightsManifest[0].paths = ['passwd.bin']));
  symlinkSync('/etc/passwd', join(linked, 'passwd.bin'));
  await rejectsWith(loadModelDir(linked), /a link to outside the model directory/);
  // A FIFO would block a reader forever; it is refused unread.
  const fifo = modelCopy();
  execFileSync('rm', [join(fifo, 'weights.bin')]);
  execFileSync('mkfifo', [join(fifo, 'weights.bin')]);
  await rejectsWith(loadModelDir(fifo), /weights\.bin: not a regular file/);
  const fifoJson = modelCopy();
  execFileSync('rm', [join(fifoJson, 'model.json')]);
  execFileSync('mkfifo', [join(fifoJson, 'model.json')]);
  await rejectsWith(loadModelDir(fifoJson), /model\.json: not a regular file/);
});

test('model loading: the config, the manifest and the file sizes agree before anything is allocated', async () => {
  // A small model.json that claims huge layers: refused from its manifest, without allocating.
  const huge = modelCopy();
  editJson(join(huge, 'model.json'), (j) => (j.modelTopology.config.encoderHidden = [20000, 20000]));
  const before = process.memoryUsage().rss;
  await rejectsWith(loadModelDir(huge), /weight 'encoder\/dense1\/kernel' has shape \[784,512\], the config builds \[784,20000\]/);
  assert.ok(process.memoryUsage().rss - before < 200 * 2 ** 20, 'allocated for a refused model');
  // The manifest made to match the huge config: then the weights file is too small.
  editJson(join(huge, 'model.json'), (j) => {
    for (const w of j.weightsManifest[0].weights) {
      if (w.name === 'encoder/dense1/kernel') w.shape = [784, 20000];
      if (w.name === 'encoder/dense1/bias') w.shape = [20000];
      if (w.name === 'encoder/dense2/kernel') w.shape = [20000, 20000];
      if (w.name === 'encoder/dense2/bias') w.shape = [20000];
      if (w.name === 'encoder/mean/kernel' || w.name === 'encoder/scale/kernel') w.shape = [20000, w.shape[1]];
    }
  });
  await rejectsWith(loadModelDir(huge), /weights files hold 3856556 bytes, .* describes \d+/);
  const short = modelCopy();
  truncateSync(join(short, 'weights.bin'), 1000);
  await rejectsWith(loadModelDir(short), /weights\.bin: the weights files hold 1000 bytes/);
  const extra = modelCopy();
  editJson(join(extra, 'model.json'), (j) => j.weightsManifest[0].weights.push({ name: 'evil', shape: [1], dtype: 'float32' }));
  await rejectsWith(loadModelDir(extra), /a weight 'evil' that the config does not build/);
  const weights = modelCopy();
  editJson(join(weights, 'model.json'), (j) => (j.modelTopology.config.loss.klWarp = -1));
  await rejectsWith(loadModelDir(weights), /the klWarp loss weight must be a finite number ≥ 0, got -1/);
  editJson(join(weights, 'model.json'), (j) => (j.modelTopology.config.loss.kl = 'a lot'));
  await rejectsWith(loadModelDir(weights), /the kl loss weight must be a finite number ≥ 0, got a lot/);
  editJson(join(weights, 'model.json'), (j) => {
    j.modelTopology.config.loss.kl = 1;
    delete j.modelTopology.config.loss.klWarp;
    j.modelTopology.config.loss.cluster = 'Infinity';
  });
  await rejectsWith(loadModelDir(weights), /the cluster loss weight must be a finite number ≥ 0, got Infinity/);
  editJson(join(weights, 'model.json'), (j) => (j.modelTopology.config.loss.cluster = 0.5));
  await rejectsWith(loadModelDir(weights), /the cluster loss weight needs a mixture prior/);
  const pooled = modelCopy();
  editJson(join(pooled, 'model.json'), (j) => (j.modelTopology.config.poolContent = 'yes'));
  await rejectsWith(loadModelDir(pooled), /poolContent must be true or false, got yes/);
  const halves = modelCopy();
  editJson(join(halves, 'model.json'), (j) => (j.modelTopology.config.poolTurns = 'two'));
  await rejectsWith(loadModelDir(halves), /poolTurns must be 2 or 4, got two/);
  editJson(join(halves, 'model.json'), (j) => (j.modelTopology.config.poolTurns = 2));
  await rejectsWith(loadModelDir(halves), /poolTurns needs poolContent/);
  const aligned = modelCopy();
  editJson(join(aligned, 'model.json'), (j) => (j.modelTopology.config.momentAlign = 1));
  await rejectsWith(loadModelDir(aligned), /momentAlign must be true or false, got 1/);
  editJson(join(aligned, 'model.json'), (j) => Object.assign(j.modelTopology.config, { momentAlign: false, alignFrame: 'sideways' }));
  await rejectsWith(loadModelDir(aligned), /unknown alignment frame 'sideways'/);
  const big = modelCopy();
  writeFileSync(join(big, 'model.json'), ' '.repeat(17 * 2 ** 20));
  await rejectsWith(loadModelDir(big), /model\.json: \d+ bytes, more than the \d+ allowed/);
});

test('model loading: non-finite weights are refused', async () => {
  const dir = modelCopy();
  const weights = readFileSync(join(dir, 'weights.bin'));
  new Float32Array(weights.buffer, weights.byteOffset, weights.byteLength / 4)[1234] = NaN;
  writeFileSync(join(dir, 'weights.bin'), weights);
  await rejectsWith(loadModelDir(dir), /holds a non-finite value \(NaN\)/);
  const r = cli('normalize', '--model', dir, join(tempDir(), 'x.png'), join(tempDir(), 'y.png'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /non-finite value/);
});

test('IDX: a gzip bomb stops at the size its header declares; huge and empty headers are refused', () => {
  const dir = tempDir();
  // Declares 10 images of 28×28, then inflates to 64 MiB.
  const header = encodeIdx(new Uint8Array(10 * 784), [10, 28, 28]);
  const bomb = join(dir, 'bomb.idx.gz');
  writeFileSync(bomb, gzipSync(Buffer.concat([Buffer.from(header), Buffer.alloc(64 * 2 ** 20)])));
  assert.ok(readFileSync(bomb).length < 200_000);
  const before = process.memoryUsage().rss;
  assert.throws(() => readIdxFile(bomb), /decompresses to more than the 7856 bytes its IDX header declares/);
  assert.ok(process.memoryUsage().rss - before < 50 * 2 ** 20, 'inflated the bomb');
  // A header that declares 4 GiB of images is refused before inflating anything.
  const claims = Buffer.from(header);
  claims.writeUInt32BE(70000, 4);
  claims.writeUInt32BE(256, 8);
  claims.writeUInt32BE(256, 12);
  writeFileSync(join(dir, 'claims.idx.gz'), gzipSync(claims));
  assert.throws(() => readIdxFile(join(dir, 'claims.idx.gz')), /the IDX header declares 4587520016 bytes, more than the \d+ read/);
  // Zero images: a clear error, not a crash further on.
  writeFileSync(join(dir, 'empty.idx'), encodeIdx(new Uint8Array(0), [0, 28, 28]));
  assert.throws(() => readIdxImages(join(dir, 'empty.idx')), /empty\.idx: not a valid IDX file: it holds no images/);
  const r = cli('normalize', join(dir, 'empty.idx'), join(dir, 'out.png'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /it holds no images/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('images: a small file that declares a huge image is refused before decoding; render --size is capped', () => {
  const png = new PNG({ width: 8, height: 8 });
  const bytes = PNG.sync.write(png);
  // Rewrite IHDR's size to 12000 × 12000 (the CRC is not checked before the size is).
  bytes.writeUInt32BE(12000, 16);
  bytes.writeUInt32BE(12000, 20);
  assert.throws(() => decodeImage(new Uint8Array(bytes), 'big.png'), /big\.png: the image declares 12000×12000 pixels, more than the 16777216 allowed \(--max-image-pixels/);
  assert.throws(() => decodeImage(new Uint8Array([1, 2, 3]), 'x.png'), /not a PNG or JPEG/);
  const dir = tempDir();
  writeFileSync(join(dir, 'big.png'), bytes);
  const r = cli('normalize', join(dir, 'big.png'), join(dir, 'out.png'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /declares 12000×12000 pixels/);
  // --max-image-pixels raises the cap (then this file fails further on, as a broken PNG), and takes only a positive integer.
  const raised = cli('--max-image-pixels', '200000000', 'normalize', join(dir, 'big.png'), join(dir, 'out.png'));
  assert.equal(raised.status, 1);
  assert.doesNotMatch(raised.stderr, /declares 12000×12000/);
  assert.match(raised.stderr, /big\.png: not a readable PNG/);
  for (const bad of ['-5', 'x', '1e300']) {
    const r2 = cli('--max-image-pixels', bad, 'normalize', join(dir, 'big.png'), join(dir, 'out.png'));
    assert.equal(r2.status, 1, bad);
    assert.match(r2.stderr, /is not a positive integer/, bad);
  }
  const render = cli('render', join(dir, 'big.png'), join(dir, 'out.png'), '--size', '5000');
  assert.equal(render.status, 1);
  assert.match(render.stderr, /--size 5000: render draws at most 512×512/);
});

async function withServer(models: ReturnType<typeof modelsUnder>, body: (base: string, port: number) => Promise<void>, warnings: string[] = []) {
  const page = tempDir();
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(page, '.env'), 'SECRET=1');
  const server = createWebServer(page, models, { host: '127.0.0.1', warn: (m) => warnings.push(m) });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  try {
    await body(`http://127.0.0.1:${port}`, port);
  } finally {
    server.close();
  }
}

test('serve: only what a model needs, no links out, no dotfiles, checkpoints or temp files', async () => {
  const root = join(tempDir(), 'models');
  mkdirSync(root);
  const dir = join(root, 'm');
  cpSync(join(MODELS_ROOT, 'mnist-seed'), dir, { recursive: true });
  symlinkSync('/etc', join(dir, 'etc'));
  writeFileSync(join(dir, '.secret'), 'secret');
  writeFileSync(join(dir, 'checkpoint.ckpt'), 'ckpt');
  writeFileSync(join(dir, 'weights.bin.123.tmp'), 'tmp');
  // A weights file the manifest names, linked out of the directory.
  editJson(join(dir, 'model.json'), (j) => j.weightsManifest.push({ paths: ['linked.bin'], weights: [] }));
  symlinkSync('/etc/hostname', join(dir, 'linked.bin'));
  await withServer(modelsUnder(root), async (base) => {
    for (const path of ['etc/passwd', '.secret', 'checkpoint.ckpt', 'weights.bin.123.tmp', 'linked.bin', 'report/../checkpoint.ckpt', 'nope.bin']) {
      const r = await fetch(`${base}/models/m/${path}`);
      assert.equal(r.status, 404, path);
      const text = await r.text();
      assert.equal(text, 'not found', `${path}: the body must not echo the path`);
    }
    for (const path of ['model.json', 'weights.bin', 'README.md', 'training-log.json', 'report/report.md']) {
      assert.equal((await fetch(`${base}/models/m/${path}`)).status, 200, path);
    }
    assert.equal((await fetch(`${base}/.env`)).status, 404);
  });
});

test('serve: a failing file is one failed request, large files stream, and the server stays up', async () => {
  const root = join(tempDir(), 'models');
  mkdirSync(root);
  const dir = join(root, 'm');
  cpSync(join(MODELS_ROOT, 'mnist-seed'), dir, { recursive: true });
  // A sparse 2.5 GiB weights file: readFileSync would throw; the server streams it.
  truncateSync(join(dir, 'weights.bin'), 2.5 * 2 ** 30);
  await withServer(modelsUnder(root), async (base) => {
    const head = await fetch(`${base}/models/m/weights.bin`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(2.5 * 2 ** 30));
    const get = await fetch(`${base}/models/m/weights.bin`);
    assert.equal(get.status, 200);
    const reader = get.body!.getReader();
    assert.ok((await reader.read()).value!.length > 0);
    await reader.cancel();
    // The weights file replaced by a directory, then by a FIFO: 404, and no hang.
    execFileSync('rm', ['-f', join(dir, 'weights.bin')]);
    mkdirSync(join(dir, 'weights.bin'));
    assert.equal((await fetch(`${base}/models/m/weights.bin`)).status, 404);
    execFileSync('rm', ['-r', join(dir, 'weights.bin')]);
    execFileSync('mkfifo', [join(dir, 'weights.bin')]);
    assert.equal((await fetch(`${base}/models/m/weights.bin`)).status, 404);
    assert.equal((await fetch(`${base}/`)).status, 200);
  });
});

test('serve: the Host header must name this server; responses carry nosniff and the CSP', async () => {
  await withServer([], async (base, port) => {
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
          req.end();
        });
      });
    assert.equal(await get('evil.example:80'), 421);
    assert.equal(await get('attacker.localhost.evil.com'), 421);
    assert.equal(await get(`127.0.0.1:${port}`), 200);
    assert.equal(await get(`localhost:${port}`), 200);
    assert.equal(await get(`[::1]:${port}`), 200);
    const r = await fetch(`${base}/`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal((await fetch(`${base}/missing`)).headers.get('x-content-type-options'), 'nosniff');
  });
});

test('serve: a bad model.json is skipped from the index with one warning; the others stay listed', async () => {
  const root = join(tempDir(), 'models');
  mkdirSync(root);
  cpSync(join(MODELS_ROOT, 'mnist-seed'), join(root, 'good'), { recursive: true });
  mkdirSync(join(root, 'bad'));
  writeFileSync(join(root, 'bad', 'model.json'), '{ not json');
  const warnings: string[] = [];
  const models = modelsUnder(root);
  assert.deepEqual(models.map((m) => m.name), ['bad', 'good']);
  await withServer(
    models,
    async (base) => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${base}/models/index.json`);
        assert.equal(r.status, 200);
        assert.deepEqual((await r.json()).map((m: { name: string }) => m.name), ['good']);
      }
    },
    warnings,
  );
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /skipped model 'bad'/);
  assert.deepEqual(modelIndex(models).map((m) => m.name), ['good']);
});

test('training: options that would blow up are refused; an existing model is not replaced without --force', () => {
  const out = tempDir();
  for (const [flag, value] of [['--learning-rate', '0'], ['--learning-rate', '1e9'], ['--mse-weight', '1e300'], ['--kl-weight', '-1'], ['--kl-warp', '-1'], ['--validation-split', '1']]) {
    const r = cli('train', '--out', out, '--limit', '50', '--epochs', '1', flag, value);
    assert.equal(r.status, 1, `${flag} ${value}`);
    assert.match(r.stderr, new RegExp(`option '${flag} <[a-z]+>' argument '${value.replace('+', '\\+')}' is invalid. '.*' is outside`), r.stderr);
  }
  writeFileSync(join(out, 'model.json'), readFileSync(join(MODELS_ROOT, 'mnist-seed', 'model.json')));
  const r = cli('train', '--out', out, '--limit', '50', '--epochs', '1', '--hidden', '8');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /already holds a model: pass --force to replace it/);
  // Writing into a folder that does not exist names the user's file, not a temporary one.
  const missing = cli('figure', '--out', join(out, 'no', 'such', 'f.png'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot write .*no\/such\/f\.png: the folder .*no\/such does not exist/);
  assert.doesNotMatch(missing.stderr, /\.tmp/);
});

test('training: a loss that becomes non-finite stops the run before anything of it is saved', async () => {
  const { Trainer, TrainingDivergedError } = await import('../src/train/trainer.ts');
  const { AffineVAE } = await import('../src/model/vae.ts');
  const { validationSplit } = await import('../src/data/dataset.ts');
  const { SEED_TRAIN } = await import('../src/model/config.ts');
  const { tinyConfig, noiseImages } = await import('./helpers.ts');
  const data = validationSplit({ images: noiseImages(60, 784), labels: new Uint8Array(60), n: 60, height: 28, width: 28 }, 0.1);
  const model = new AffineVAE(tinyConfig(8), { seed: 1 });
  const trainer = new Trainer(model, data, { ...SEED_TRAIN, epochs: 2, batch: 18, learningRate: 1e9 });
  let saved = 0;
  await assert.rejects(trainer.run({ onEpoch: () => void saved++ }), (err: Error) => err instanceof TrainingDivergedError && /training diverged: .*non-finite|became (NaN|Infinity)/.test(err.message));
  assert.equal(saved, 0, 'an epoch of the diverged run was saved');
  trainer.dispose();
  model.dispose();
});
