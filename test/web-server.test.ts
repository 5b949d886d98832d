import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { servedModels } from '../src/cli/commands/serve.ts';
import { MODELS_ROOT } from '../src/io/shipped.ts';
import { createWebServer, modelIndex, modelsUnder } from '../src/web/server.ts';
import { tempDir } from './helpers.ts';

/** The server behind `affine-vae serve` and the dev server's `/models` route. */

const BIN = new URL('../bin/affine-vae.js', import.meta.url).pathname;

async function withServer(root: string, models: ReturnType<typeof modelsUnder>, body: (base: string) => Promise<void>): Promise<void> {
  const server = createWebServer(root, models);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

test('the server lists models, serves their files and the page, and nothing outside them', async () => {
  const root = tempDir();
  const page = join(root, 'page');
  mkdirSync(join(page, 'assets'), { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(page, 'assets', 'a.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(root, 'secret.txt'), 'secret');
  const models = join(root, 'models');
  cpSync(join(MODELS_ROOT, 'mnist-seed'), join(models, 'seed-copy'), { recursive: true });
  mkdirSync(join(models, 'not-a-model'));
  const served = modelsUnder(models);
  assert.deepEqual(served.map((m) => m.name), ['seed-copy']);

  await withServer(page, served, async (base) => {
    const index = await (await fetch(`${base}/models/index.json`)).json();
    assert.deepEqual(index, modelIndex(served));
    assert.equal(index[0].preset, 'seed');
    assert.equal(index[0].url, 'models/seed-copy/model.json');
    assert.equal(index[0].epochs, JSON.parse(await (await fetch(`${base}/models/seed-copy/training-log.json`)).text()).length);

    const weights = await fetch(`${base}/models/seed-copy/weights.bin`);
    assert.equal(weights.status, 200);
    assert.equal(weights.headers.get('content-type'), 'application/octet-stream');
    assert.ok((await weights.arrayBuffer()).byteLength > 1e6);

    const html = await fetch(`${base}/`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type')!, /text\/html/);
    assert.equal((await fetch(`${base}/assets/a.wasm`)).headers.get('content-type'), 'application/wasm');

    assert.equal((await fetch(`${base}/models/nope/model.json`)).status, 404);
    assert.equal((await fetch(`${base}/missing.js`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 405);
    // A malformed escape is a bad request, and the server lives on.
    assert.equal((await fetch(`${base}/%E0%A4%A`)).status, 400);
    assert.equal((await fetch(`${base}/models/%E0%A4%A`)).status, 400);
    assert.equal((await fetch(`${base}/`)).status, 200);
    // Encoded dots survive URL normalization and reach the file resolver: refused there.
    for (const path of ['/%2e%2e/secret.txt', '/models/seed-copy/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const r = await fetch(base + path);
      assert.ok(r.status === 403 || r.status === 404, `${path}: ${r.status}`);
      assert.notEqual(await r.text(), 'secret', path);
    }
  });
});

test('served models: --model first, then the shipped ones with mnist-seed leading; a bad --model is an error', () => {
  const shipped = servedModels();
  assert.equal(shipped[0].name, 'mnist-seed');
  const dir = join(tempDir(), 'mine');
  cpSync(join(MODELS_ROOT, 'mnist-seed'), dir, { recursive: true });
  const withMine = servedModels(dir);
  assert.deepEqual(withMine.map((m) => m.name), ['mine', ...shipped.map((m) => m.name)]);
  assert.throws(() => servedModels(join(tempDir(), 'absent')), /does not exist/);
  assert.throws(() => servedModels(tempDir()), /no model\.json/);
});

test('affine-vae serve prints its URL, serves the page and stops cleanly on SIGINT', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^(http:\/\/\S+)\n/);
      if (m) resolve(m[1]);
    });
    child.on('close', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const index = await (await fetch(`${url}models/index.json`)).json();
  assert.equal(index[0].name, 'mnist-seed');
  const page = await fetch(url);
  assert.equal(page.status, 200, 'the page is built (npm ci runs npm run build:web)');
  assert.match(await page.text(), /affine-vae/);
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
});
