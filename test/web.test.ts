import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { WEB_ROOT, servedModels } from '../src/cli/commands/serve.ts';
import { principalAngle } from '../src/eval/moments.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { encodePng } from '../src/io/png.ts';
import { createWebServer } from '../src/web/server.ts';
import { saveModelDir } from '../src/io/model-dir.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { tempDir, tinyConfig } from './helpers.ts';

/**
 * The web app end to end, in Debian's Chromium (no browser download): draw a slanted stroke, see
 * it come back more upright, move a slider, see the render change, and no console errors.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
// CI installs chromium and sets AFFINE_VAE_REQUIRE_BROWSER, so there a missing browser fails.
const skip = existsSync(CHROMIUM) || process.env.AFFINE_VAE_REQUIRE_BROWSER ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;

let browser: Browser;
let server: ReturnType<typeof createWebServer>;
let url: string;

before(async () => {
  if (skip) return;
  // npm ci builds the page (prepare); build it here when a checkout has not.
  if (!existsSync(join(WEB_ROOT, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
  server = createWebServer(WEB_ROOT, servedModels());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/**
 * Opens the page and collects every console error, uncaught exception, and request to another
 * origin (the page must work offline: no CDN, fonts or scripts from elsewhere).
 */
async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => !r.url().startsWith(url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:') && errors.push(`request to ${r.url()}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', (await page.textContent('#error')) ?? '');
  return { page, errors };
}

/** A canvas' pixels as grey floats in [0, 1]. */
function pixels(page: Page, id: string): Promise<{ values: number[]; width: number; height: number }> {
  return page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return { values: Array.from({ length: c.width * c.height }, (_, i) => data[4 * i] / 255), width: c.width, height: c.height };
  }, id);
}

/** Waits until the big render has finished a render newer than `version`. */
async function renderAfter(page: Page, version: number): Promise<void> {
  await page.waitForFunction(
    (v) => {
      const c = document.getElementById('render')!;
      return Number(c.dataset.version ?? 0) > v && c.dataset.pending === '0';
    },
    version,
    { timeout: 120_000 },
  );
}

const renderVersion = (page: Page) => page.evaluate(() => Number(document.getElementById('render')!.dataset.version ?? 0));

test('the page normalizes a drawn slanted stroke and re-renders when a slider moves', { skip, timeout: 300_000 }, async () => {
  const { page, errors } = await open();
  const backend = await page.textContent('#backend');
  assert.match(backend ?? '', /^(webgpu|webgl|wasm|cpu)$/);

  await page.click('#clear');
  const pad = (await page.locator('#pad').boundingBox())!;
  // A stroke leaning 30° to the right, like a hastily written 1.
  const [x0, y0, x1, y1] = [pad.x + 0.33 * pad.width, pad.y + 0.85 * pad.height, pad.x + 0.67 * pad.width, pad.y + 0.15 * pad.height];
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (let k = 1; k <= 20; k++) await page.mouse.move(x0 + ((x1 - x0) * k) / 20, y0 + ((y1 - y0) * k) / 20);
  await page.mouse.up();

  const input = await pixels(page, 'input');
  const normalized = await pixels(page, 'normalized');
  assert.equal(input.width, 28);
  assert.ok(input.values.reduce((a, b) => a + b) > 10, 'the stroke reached the model input');
  const before = principalAngle(Float32Array.from(input.values), 28, 28);
  const afterAngle = principalAngle(Float32Array.from(normalized.values), 28, 28);
  assert.ok(Math.abs(before) > 20, `the drawn stroke leans (${before.toFixed(1)}°)`);
  assert.ok(Math.abs(afterAngle) < Math.abs(before) - 5, `normalized ${afterAngle.toFixed(1)}° is more upright than the input's ${before.toFixed(1)}°`);
  // The straightened stroke is the drawn one moved: more upright too, and about as much ink.
  const straightened = await pixels(page, 'straightened');
  const straightAngle = principalAngle(Float32Array.from(straightened.values), 28, 28);
  assert.ok(Math.abs(straightAngle) < Math.abs(before) - 5, `straightened ${straightAngle.toFixed(1)}° is more upright than the input's ${before.toFixed(1)}°`);
  const ink = (v: number[]) => v.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(ink(straightened.values) / ink(input.values) - 1) < 0.4, 'the straightened stroke keeps its ink');
  assert.match((await page.textContent('#pose')) ?? '', /rotation/);

  await renderAfter(page, 0);
  const v0 = await renderVersion(page);
  const first = await pixels(page, 'render');
  assert.equal(first.width, 280);

  // Drag the first warp slider's thumb from the middle (zero) to near its right end.
  const slider = (await page.locator('#sliders input').first().boundingBox())!;
  await page.mouse.move(slider.x + slider.width / 2, slider.y + slider.height / 2);
  await page.mouse.down();
  await page.mouse.move(slider.x + 0.9 * slider.width, slider.y + slider.height / 2, { steps: 5 });
  await page.mouse.up();
  assert.ok(Number(await page.locator('#sliders input').first().inputValue()) > 1, 'the slider moved');
  await renderAfter(page, v0);
  const second = await pixels(page, 'render');
  const changed = second.values.filter((v, i) => Math.abs(v - first.values[i]) > 0.1).length;
  assert.ok(changed > 500, `the render changed (${changed} of ${280 * 280} pixels by more than 0.1)`);

  assert.deepEqual(errors, []);
  await page.close();
});

test('the gallery shows test digits beside their normalized versions for every served model', { skip, timeout: 300_000 }, async () => {
  const { page, errors } = await open();
  const names = await page.locator('#model option').allTextContents();
  assert.deepEqual(names, servedModels().map((m) => m.name));
  assert.deepEqual(await page.locator('#gallery-switch button').allTextContents(), names);
  for (const name of names) {
    const version = await page.evaluate(() => Number(document.getElementById('gallery')!.dataset.version ?? 0));
    if (name !== names[0]) {
      await page.click(`#gallery-switch button:text-is("${name}")`);
      await page.waitForFunction((v) => Number(document.getElementById('gallery')!.dataset.version ?? 0) > v && document.body.dataset.state === 'ready', version, { timeout: 120_000 });
    }
    assert.equal(await page.inputValue('#model'), name, 'the switch and the select agree');
    assert.equal(await page.getAttribute(`#gallery-switch button:text-is("${name}")`, 'aria-checked'), 'true');
    for (const row of ['upright', 'rotated']) {
      const pairs = page.locator(`#gallery-${row} .pair`);
      assert.equal(await pairs.count(), 12);
      // Each normalized digit has ink: the model drew something, not a blank.
      const ink = await pairs.evaluateAll((els) =>
        els.map((el) => {
          const c = el.querySelectorAll('canvas')[1] as HTMLCanvasElement;
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let s = 0;
          for (let i = 0; i < d.length; i += 4) s += d[i];
          return s / 255;
        }),
      );
      assert.ok(ink.every((s) => s > 20), `${name} ${row}: ${ink.map((s) => s.toFixed(0)).join(' ')}`);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('an opened picture, dark on light, lands on the pad inverted; a broken one gives a message, not a crash', { skip, timeout: 300_000 }, async () => {
  const { page, errors } = await open();
  // MNIST test digit 0 (a 7) as ink on paper, 56×56, off centre.
  const digit = loadMnist('test').images.subarray(0, 784);
  const pixels56 = new Float32Array(56 * 56).fill(1);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) pixels56[(y + 2) * 56 + x + 25] = 1 - digit[y * 28 + x] / 255;
  const version = await page.evaluate(() => Number(document.getElementById('outputs')!.dataset.version ?? 0));
  await page.setInputFiles('#file', { name: 'seven.png', mimeType: 'image/png', buffer: Buffer.from(encodePng({ width: 56, height: 56, pixels: pixels56 })) });
  await page.waitForFunction((v) => Number(document.getElementById('outputs')!.dataset.version ?? 0) > v, version);
  const input = await pixels(page, 'input');
  // White ink on black, reframed: the background is dark and the digit's mass is near the centre.
  const ink = input.values.reduce((a, b) => a + b);
  assert.ok(ink > 30 && ink < 300, `ink ${ink}`);
  const corner = input.values[0] + input.values[27] + input.values[27 * 28] + input.values[783];
  assert.equal(corner, 0);

  await page.setInputFiles('#file', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a png') });
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /cannot read broken\.png/);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', 'the page still works');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a colour model: a dropped colour picture stays in colour, and the page draws the model in colour', { skip, timeout: 300_000 }, async () => {
  // A small colour model of its own, served alone.
  const dir = join(tempDir(), 'colour-demo');
  await selectBackend(['wasm', 'cpu']);
  const model = new AffineVAE(tinyConfig(16, { channels: 3 }), { seed: 3 });
  await saveModelDir(model, dir);
  model.dispose();
  const own = createWebServer(WEB_ROOT, [{ name: 'colour-demo', dir }]);
  await new Promise<void>((done) => own.listen(0, '127.0.0.1', done));
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  try {
    await page.goto(`http://127.0.0.1:${(own.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', (await page.textContent('#error')) ?? '');
    // An orange square on a light blue background, 28 × 28: a light background is not inverted for a colour model.
    const picture = new Float32Array(28 * 28 * 3);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) picture.set(x > 8 && x < 20 && y > 8 && y < 20 ? [1, 0.5, 0] : [0.6, 0.8, 1], (y * 28 + x) * 3);
    const version = await page.evaluate(() => Number(document.getElementById('outputs')!.dataset.version ?? 0));
    await page.setInputFiles('#file', { name: 'square.png', mimeType: 'image/png', buffer: Buffer.from(encodePng({ width: 28, height: 28, pixels: picture, channels: 3 })) });
    await page.waitForFunction((v) => Number(document.getElementById('outputs')!.dataset.version ?? 0) > v, version);
    const rgb = (id: string) =>
      page.evaluate((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      }, id);
    const input = await rgb('input');
    const at = (data: number[], x: number, y: number) => data.slice(4 * (y * 28 + x), 4 * (y * 28 + x) + 3);
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 3);
    assert.ok(near(at(input, 14, 14), [255, 128, 0]), `centre ${at(input, 14, 14)}`);
    assert.ok(near(at(input, 2, 2), [153, 204, 255]), `corner ${at(input, 2, 2)}`);
    // The model's drawings are in colour: some pixel's channels differ.
    for (const id of ['reconstruction', 'normalized']) {
      const data = await rgb(id);
      assert.ok(data.some((v, i) => i % 4 === 0 && Math.abs(v - data[i + 1]) > 2), `${id} is grey`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    own.close();
  }
});

test('the built page stays under 20 MB', { skip }, () => {
  const size = (dir: string): number => readdirSync(dir).reduce((sum, f) => sum + (statSync(join(dir, f)).isDirectory() ? size(join(dir, f)) : statSync(join(dir, f)).size), 0);
  const bytes = size(WEB_ROOT);
  assert.ok(bytes < 20e6, `${(bytes / 1e6).toFixed(1)} MB`);
});
