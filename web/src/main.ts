import * as gallery from 'virtual:gallery';
import { type AffineVAE, centerLikeMnist, toUnit } from '../../src/index.ts';
import { startBackend } from './backend.ts';
import { DrawingPad } from './pad.ts';
import { fromBase64, paintGrey } from './pixels.ts';
import { type Analysis, type ModelInfo, analyse, fetchModel, listModels, renderLatent } from './session.ts';
import './style.css';

/**
 * The page: draw (or drop, or paste) a digit; see it as the model sees it, reconstructed,
 * normalized and rendered large; move the latents; compare models on a gallery of test digits.
 * Elements carry `data-version` counters that go up after each update, for the browser test.
 */

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const RENDER_SIZE = 280;
const PREVIEW_SIZE = 56;

let model: AffineVAE | null = null;
let analysis: Analysis | null = null;
/** The latent the big render shows: content from the input, warp from the sliders. */
let z = new Float32Array(0);
let renderGeneration = 0;
const models = new Map<string, Promise<AffineVAE>>();

function bump(el: HTMLElement): void {
  el.dataset.version = String(Number(el.dataset.version ?? 0) + 1);
}

/** Shows a message above the page; `fatal` when the page cannot work at all. */
function showError(err: unknown, fatal = false): void {
  const msg = err instanceof Error ? err.message : String(err);
  $('error').textContent = msg;
  $('error').hidden = false;
  if (fatal) document.body.dataset.state = 'error';
}

/** The pad's drawing framed as MNIST frames its digits, in [0, 1]. */
function padInput(pad: DrawingPad): Float32Array {
  const { grey, width, height } = pad.read();
  return toUnit(centerLikeMnist(grey, width, height));
}

/** A signed number, with no "−0" for values that round to zero. */
function fmt(v: number, digits = 2): string {
  const text = Math.abs(v).toFixed(digits);
  return (v < 0 && Number(text) !== 0 ? '−' : '+') + text;
}

/** Runs the model on the pad; `final` (a stroke ended, a picture landed) also re-renders large. */
function update(pad: DrawingPad, final = true): void {
  if (!model) return;
  const size = model.config.width;
  const outputs = $('outputs');
  if (!pad.hasInk) {
    analysis = null;
    for (const id of ['input', 'reconstruction', 'normalized', 'straightened']) paintGrey($<HTMLCanvasElement>(id), new Float32Array(size * size), size);
    $('pose').textContent = 'Draw a digit to see its pose.';
    bump(outputs);
    return;
  }
  const x = padInput(pad);
  analysis = analyse(model, x);
  $('error').hidden = true;
  paintGrey($<HTMLCanvasElement>('input'), x, size);
  paintGrey($<HTMLCanvasElement>('reconstruction'), analysis.reconstruction, size);
  paintGrey($<HTMLCanvasElement>('normalized'), analysis.normalized, size);
  paintGrey($<HTMLCanvasElement>('straightened'), analysis.straightened, size);
  const p = analysis.pose;
  $('pose').innerHTML = `
    <tr><th>rotation</th><td>${fmt(p.rotation, 1)}°</td></tr>
    <tr><th>shear</th><td>${fmt(p.shear)}</td></tr>
    <tr><th>scale x, y</th><td>${p.scaleX.toFixed(2)}, ${p.scaleY.toFixed(2)}</td></tr>
    <tr><th>shift x, y</th><td>${fmt(p.translateX)}, ${fmt(p.translateY)}</td></tr>`;
  setLatent(analysis.latent, false, final);
  bump(outputs);
}

/** Moves the sliders to `latent`; the warp ones to zero (the normalized pose) unless `withPose`. */
function setLatent(latent: Float32Array, withPose: boolean, render = true): void {
  if (!model) return;
  z = latent.slice();
  if (!withPose) z.fill(0, model.config.contentDims);
  document.querySelectorAll<HTMLInputElement>('#sliders input').forEach((s) => {
    s.value = String(z[Number(s.dataset.index)]);
    showSliderValue(s);
  });
  if (render) requestRender();
}

function showSliderValue(s: HTMLInputElement): void {
  const v = Number(s.value);
  s.nextElementSibling!.textContent = s.dataset.angle ? `${fmt((v * 180) / Math.PI, 0)}°` : fmt(v);
}

/** One slider per content latent and per warp latent that acts, ranged by what it means. */
function buildSliders(m: AffineVAE): void {
  const zc = m.config.contentDims;
  const rows: string[] = [];
  const row = (index: number, label: string, min: number, max: number, angle = false) =>
    rows.push(`<label><span>${label}</span><input type="range" min="${min}" max="${max}" step="0.01" value="0"
      data-index="${index}" ${angle ? 'data-angle="1"' : ''} aria-label="${label}"><output></output></label>`);
  rows.push('<h3>warp</h3>');
  // The warp family says which of its latents are worth a slider, and over what range.
  m.warpFamily.latents.forEach((latent, k) => {
    if (latent.slider) row(zc + k, latent.slider.angle ? 'rotation θ' : latent.name ?? `p${k}`, latent.slider.min, latent.slider.max, latent.slider.angle);
  });
  rows.push('<h3>content</h3>');
  for (let k = 0; k < zc; k++) row(k, `c${k + 1}`, -4, 4);
  $('sliders').innerHTML = rows.join('');
  document.querySelectorAll<HTMLInputElement>('#sliders input').forEach((s) => {
    showSliderValue(s);
    s.addEventListener('input', () => {
      z[Number(s.dataset.index)] = Number(s.value);
      showSliderValue(s);
      requestRender();
    });
  });
}

/** A quick coarse render at once, then the full one; a newer request cancels both. */
function requestRender(): void {
  if (!model || !analysis) return;
  const generation = ++renderGeneration;
  const stale = () => generation !== renderGeneration;
  const m = model;
  const latent = z.slice();
  const canvas = $<HTMLCanvasElement>('render');
  canvas.dataset.pending = '1';
  void (async () => {
    const preview = await renderLatent(m, latent, PREVIEW_SIZE, stale);
    if (!preview) return;
    const small = document.createElement('canvas');
    paintGrey(small, preview, PREVIEW_SIZE);
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, RENDER_SIZE, RENDER_SIZE);
    const start = performance.now();
    const full = await renderLatent(m, latent, RENDER_SIZE, stale);
    if (!full) return;
    paintGrey(canvas, full, RENDER_SIZE);
    $('render-time').textContent = `${RENDER_SIZE ** 2} decoder evaluations in ${((performance.now() - start) / 1000).toFixed(2)} s`;
    canvas.dataset.pending = '0';
    bump(canvas);
  })().catch(showError);
}

/** Test digits, upright and turned, beside what the current model makes of them. */
function showGallery(m: AffineVAE): void {
  const size = gallery.size;
  const n = gallery.labels.length;
  for (const kind of ['upright', 'rotated'] as const) {
    const bytes = fromBase64(gallery[kind]);
    const x = toUnit(bytes);
    const normalized = m.normalize(x);
    const row = $(`gallery-${kind}`);
    row.innerHTML = '';
    for (let i = 0; i < n; i++) {
      const pair = document.createElement('button');
      pair.className = 'pair';
      pair.title = `test digit ${gallery.labels[i]}: click to put it on the pad`;
      const [a, b] = [document.createElement('canvas'), document.createElement('canvas')];
      paintGrey(a, x.subarray(i * size * size, (i + 1) * size * size), size);
      paintGrey(b, normalized.subarray(i * size * size, (i + 1) * size * size), size);
      pair.append(a, b);
      pair.addEventListener('click', () => window.dispatchEvent(new CustomEvent('load-digit', { detail: a })));
      row.append(pair);
    }
  }
  bump($('gallery'));
}

async function switchModel(next: ModelInfo, pad: DrawingPad): Promise<void> {
  document.body.dataset.state = 'loading';
  $('model-note').textContent = `loading ${next.name}…`;
  if (!models.has(next.name)) models.set(next.name, fetchModel(next));
  const m = await models.get(next.name)!;
  model = m;
  const epochs = next.epochs === null ? '' : `, ${next.epochs} epochs`;
  $('model-note').textContent = `${next.preset} preset${epochs}: ${m.config.contentDims} content + ${m.config.warpDims} warp latents`;
  buildSliders(m);
  update(pad);
  showGallery(m);
  document.body.dataset.state = 'ready';
}

async function loadFile(file: File, pad: DrawingPad): Promise<void> {
  if (!file.type.startsWith('image/')) throw new Error(`${file.name || 'that'} is not an image`);
  const bitmap = await createImageBitmap(file).catch(() => {
    throw new Error(`cannot read ${file.name || 'the image'}: not a picture the browser can decode`);
  });
  pad.showImage(bitmap, bitmap.width, bitmap.height);
  update(pad);
}

async function main(): Promise<void> {
  const backend = await startBackend(new URLSearchParams(location.search).get('backend'));
  $('backend').textContent = backend.name;
  $('backend-note').textContent = backend.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  const infos = await listModels();
  if (!infos.length) throw new Error('the server offers no models (train one, or run affine-vae serve --model DIR)');
  const pad = new DrawingPad($<HTMLCanvasElement>('pad'));
  let queued = false;
  pad.onChange = (final) => {
    if (final) return update(pad);
    // While a stroke is drawn: the small outputs, at most once a frame; the large render waits.
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      update(pad, false);
    });
  };
  $('clear').addEventListener('click', () => {
    pad.clear();
    update(pad);
  });
  $('normalized-pose').addEventListener('click', () => analysis && setLatent(analysis.latent, false));
  $('inferred-pose').addEventListener('click', () => analysis && setLatent(analysis.latent, true));
  window.addEventListener('load-digit', (e) => {
    const digit = (e as CustomEvent<HTMLCanvasElement>).detail;
    pad.showImage(digit, digit.width, digit.height);
    update(pad);
  });
  const select = $<HTMLSelectElement>('model');
  // Built as elements, not HTML: a model's name is a directory name, which could hold markup.
  select.replaceChildren(...infos.map((m) => new Option(m.name, m.name)));
  // The gallery's own switch, kept in step with the select at the top.
  const toggles = infos.map((m) => {
    const b = document.createElement('button');
    b.textContent = m.name;
    b.setAttribute('role', 'radio');
    b.addEventListener('click', () => {
      select.value = m.name;
      select.dispatchEvent(new Event('change'));
    });
    return b;
  });
  $('gallery-switch').append(...toggles);
  const showChoice = () => toggles.forEach((b) => b.setAttribute('aria-checked', String(b.textContent === select.value)));
  showChoice();
  select.addEventListener('change', () => {
    showChoice();
    switchModel(infos.find((m) => m.name === select.value)!, pad).catch((err) => showError(err, true));
  });
  document.addEventListener('paste', (e) => {
    const file = Array.from(e.clipboardData?.files ?? [])[0];
    if (file) loadFile(file, pad).catch(showError);
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (input.files?.[0]) loadFile(input.files[0], pad).catch(showError);
    input.value = '';
  });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files[0];
    if (file) loadFile(file, pad).catch(showError);
  });
  // Open on a slanted test digit, so the page shows what it does before anyone draws.
  const first = document.createElement('canvas');
  paintGrey(first, fromBase64(gallery.upright).subarray(0, gallery.size ** 2), gallery.size, 255);
  pad.showImage(first, gallery.size, gallery.size);
  await switchModel(infos[0], pad);
}

main().catch((err) => showError(err, true));
