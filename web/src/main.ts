import * as gallery from 'virtual:gallery';
import { type AffineVAE, type Pose, centerLikeMnist, colouredSet, frameImages, toUnit } from '../../src/index.ts';
import { startBackend } from './backend.ts';
import { DrawingPad } from './pad.ts';
import { fromBase64, paint, readColour } from './pixels.ts';
import { type Analysis, type ModelInfo, analyse, fetchModel, listModels, renderPose } from './session.ts';
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
/** What the big render shows: the input's content latents, at the pose the sliders set. */
let content = new Float32Array(0);
type PoseKey = keyof Required<Pose>;
const UPRIGHT: Required<Pose> = { rotation: 0, scaleX: 1, scaleY: 1, shear: 0, translateX: 0, translateY: 0 };
let pose: Required<Pose> = { ...UPRIGHT };
/** The pose sliders: what they set, their label and range (rotation in degrees). */
const POSE_SLIDERS: { key: PoseKey; label: string; min: number; max: number; step: number }[] = [
  { key: 'rotation', label: 'rotation', min: -180, max: 180, step: 1 },
  { key: 'shear', label: 'shear', min: -1, max: 1, step: 0.01 },
  { key: 'scaleX', label: 'scale x', min: 0.5, max: 2, step: 0.01 },
  { key: 'scaleY', label: 'scale y', min: 0.5, max: 2, step: 0.01 },
  { key: 'translateX', label: 'shift x', min: -0.5, max: 0.5, step: 0.01 },
  { key: 'translateY', label: 'shift y', min: -0.5, max: 0.5, step: 0.01 },
];
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

/**
 * MNIST-sized grey digits (`n × 28 × 28`) in model `m`'s frame: as they are, or in the middle of
 * its larger one (a model trained on `mnist-pose:` data takes 50 × 50).
 */
function inFrame<T extends Float32Array | Uint8Array>(m: AffineVAE, digits: T, n: number): T {
  const side = m.config.width;
  return side > 28 && m.config.height === side ? frameImages(digits, n, 28, side) : digits;
}

/** Grey test digits (bytes) as model `m` takes them: framed, or coloured as `mnist-colour` colours them. */
function forModel(m: AffineVAE, digits: Uint8Array, n: number): Uint8Array {
  return m.channels === 3 ? colouredSet({ images: digits, n, height: 28, width: 28 }, 2).images : inFrame(m, digits, n);
}

/**
 * The pad as model `m` reads it, in [0, 1]: a grey drawing framed as MNIST frames its digits (then
 * as the model's data); for a colour model, the picture as it is, in colour, fitted to its size.
 */
function padInput(pad: DrawingPad, m: AffineVAE): Float32Array {
  if (m.channels > 1) return toUnit(readColour(pad.canvas, m.config.width, m.channels));
  const { grey, width, height } = pad.read();
  return inFrame(m, toUnit(centerLikeMnist(grey, width, height)), 1);
}

/** Whether the current model takes colour, so that pictures go on the pad as they are. */
const colourModel = () => (model?.channels ?? 1) > 1;

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
    for (const id of ['input', 'reconstruction', 'normalized', 'straightened']) paint($<HTMLCanvasElement>(id), new Float32Array(model.values), size, 1, model.channels);
    $('pose').textContent = 'Draw a digit to see its pose.';
    bump(outputs);
    return;
  }
  const x = padInput(pad, model);
  analysis = analyse(model, x);
  $('error').hidden = true;
  const C = model.channels;
  paint($<HTMLCanvasElement>('input'), x, size, 1, C);
  paint($<HTMLCanvasElement>('reconstruction'), analysis.reconstruction, size, 1, C);
  paint($<HTMLCanvasElement>('normalized'), analysis.normalized, size, 1, C);
  paint($<HTMLCanvasElement>('straightened'), analysis.straightened, size, 1, C);
  const p = analysis.pose;
  $('pose').innerHTML = `
    <tr><th>rotation</th><td>${fmt(p.rotation, 1)}°</td></tr>
    <tr><th>shear</th><td>${fmt(p.shear)}</td></tr>
    <tr><th>scale x, y</th><td>${p.scaleX.toFixed(2)}, ${p.scaleY.toFixed(2)}</td></tr>
    <tr><th>shift x, y</th><td>${fmt(p.translateX)}, ${fmt(p.translateY)}</td></tr>`;
  setLatent(analysis.latent, false, final);
  bump(outputs);
}

/**
 * Moves the sliders to `latent`'s content and to the upright pose, or to the pose the model
 * reads in `latent` when `withPose`.
 */
function setLatent(latent: Float32Array, withPose: boolean, render = true): void {
  if (!model) return;
  content = latent.slice(0, model.config.contentDims);
  pose = { ...UPRIGHT };
  if (withPose) {
    const read = model.poseOf(latent)[0];
    for (const key of Object.keys(UPRIGHT) as PoseKey[]) pose[key] = read[key];
  }
  document.querySelectorAll<HTMLInputElement>('#sliders input').forEach((s) => {
    s.value = String(s.dataset.pose ? pose[s.dataset.pose as PoseKey] : content[Number(s.dataset.index)]);
    showSliderValue(s);
  });
  if (render) requestRender();
}

function showSliderValue(s: HTMLInputElement): void {
  const v = Number(s.value);
  s.nextElementSibling!.textContent = s.dataset.pose === 'rotation' ? `${fmt(v, 0)}°` : fmt(v);
}

/**
 * The pose sliders (any rotation, shear, scale and shift: the decoder draws the content at any
 * pose, whatever the warp family, through `decodeAt`), then one per content latent.
 */
function buildSliders(m: AffineVAE): void {
  const rows: string[] = [];
  const row = (attribute: string, label: string, min: number, max: number, step: number, value: number) =>
    rows.push(`<label><span>${label}</span><input type="range" min="${min}" max="${max}" step="${step}" value="${value}"
      ${attribute} aria-label="${label}"><output></output></label>`);
  rows.push('<h3>pose</h3>');
  for (const p of POSE_SLIDERS) row(`data-pose="${p.key}"`, p.label, p.min, p.max, p.step, UPRIGHT[p.key]);
  rows.push('<h3>content</h3>');
  for (let k = 0; k < m.config.contentDims; k++) row(`data-index="${k}"`, `c${k + 1}`, -4, 4, 0.01, 0);
  $('sliders').innerHTML = rows.join('');
  document.querySelectorAll<HTMLInputElement>('#sliders input').forEach((s) => {
    showSliderValue(s);
    s.addEventListener('input', () => {
      if (s.dataset.pose) pose[s.dataset.pose as PoseKey] = Number(s.value);
      else content[Number(s.dataset.index)] = Number(s.value);
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
  const [c, p] = [content.slice(), { ...pose }];
  const canvas = $<HTMLCanvasElement>('render');
  canvas.dataset.pending = '1';
  void (async () => {
    const preview = await renderPose(m, c, p, PREVIEW_SIZE, stale);
    if (!preview) return;
    const small = document.createElement('canvas');
    paint(small, preview, PREVIEW_SIZE, 1, m.channels);
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, RENDER_SIZE, RENDER_SIZE);
    const start = performance.now();
    const full = await renderPose(m, c, p, RENDER_SIZE, stale);
    if (!full) return;
    paint(canvas, full, RENDER_SIZE, 1, m.channels);
    $('render-time').textContent = `${RENDER_SIZE ** 2} decoder evaluations in ${((performance.now() - start) / 1000).toFixed(2)} s`;
    canvas.dataset.pending = '0';
    bump(canvas);
  })().catch(showError);
}

/** Test digits, upright and turned, beside what the current model makes of them. */
function showGallery(m: AffineVAE): void {
  const [size, v] = [m.config.width, m.values];
  const n = gallery.labels.length;
  for (const kind of ['upright', 'rotated'] as const) {
    const x = toUnit(forModel(m, fromBase64(gallery[kind]), n));
    const normalized = m.normalize(x);
    const row = $(`gallery-${kind}`);
    row.innerHTML = '';
    for (let i = 0; i < n; i++) {
      const pair = document.createElement('button');
      pair.className = 'pair';
      pair.title = `test digit ${gallery.labels[i]}: click to put it on the pad`;
      const [a, b] = [document.createElement('canvas'), document.createElement('canvas')];
      paint(a, x.subarray(i * v, (i + 1) * v), size, 1, m.channels);
      paint(b, normalized.subarray(i * v, (i + 1) * v), size, 1, m.channels);
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
  pad.showImage(bitmap, bitmap.width, bitmap.height, colourModel());
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
    pad.showImage(digit, digit.width, digit.height, colourModel());
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
  paint(first, fromBase64(gallery.upright).subarray(0, gallery.size ** 2), gallery.size, 255);
  pad.showImage(first, gallery.size, gallery.size);
  await switchModel(infos[0], pad);
}

main().catch((err) => showError(err, true));
