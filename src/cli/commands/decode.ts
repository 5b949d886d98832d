import { slice } from '../../data/dataset.ts';
import { evaluateSet } from '../../eval/metrics.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { evaluationReport, reportMarkdown } from '../../eval/report.ts';
import { HARD_RANGES, NATURAL_RANGES } from '../../eval/transforms.ts';
import { UserError, writeFileAtomic } from '../../io/files.ts';
import { loadMnist } from '../../io/mnist.ts';
import { loadDataset } from '../../io/datasets.ts';
import { loadModelDir } from '../../io/model-dir.ts';
import { writeGreyPng } from '../../io/png.ts';
import { Rng } from '../../model/rng.ts';
import { normalizationFigure, tile, upscale } from '../../render/figure.ts';
import { greyGif, interpolate, latentOf, traverse, warpAnimation } from '../../render/latent.ts';
import type { AffineVAE } from '../../model/vae.ts';
import { readInputImages, toUnit, writeOutputImages } from '../images.ts';

/** Options shared by the commands that decode images. */
export interface DecodeCommandOptions {
  model: string;
  sample?: boolean;
  seed: number;
  scale: number;
}

/** `affine-vae normalize` (warp off) and `affine-vae reconstruct` (warp on). */
export async function decodeCommand(mode: 'normalize' | 'reconstruct', input: string, output: string, o: DecodeCommandOptions, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const { height, width } = model.config;
    const set = readInputImages(input, height, width, (w) => log(`warning: ${w}`));
    const options = { sample: o.sample, rng: new Rng(o.seed) };
    const x = toUnit(set.images);
    const out = mode === 'normalize' ? model.normalize(x, options) : model.reconstruct(x, options);
    writeOutputImages(output, out, set.n, height, width, o.scale);
    log(`${mode === 'normalize' ? 'normalized' : 'reconstructed'} ${set.n} image${set.n === 1 ? '' : 's'} to ${output}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae render`: decode at any resolution. */
export async function renderCommand(input: string, output: string, o: DecodeCommandOptions & { size: number; reconstructed?: boolean }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const set = readInputImages(input, model.config.height, model.config.width, (w) => log(`warning: ${w}`));
    const out = model.render(toUnit(set.images), o.size, !!o.reconstructed, { sample: o.sample, rng: new Rng(o.seed) });
    writeOutputImages(output, out, set.n, o.size, o.size, o.scale);
    log(`rendered ${set.n} image${set.n === 1 ? '' : 's'} at ${o.size}×${o.size} (${o.reconstructed ? 'reconstructed' : 'normalized'}) to ${output}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** Reads exactly one image (the first of an `.idx`, or a `.png`) as floats in [0, 1]. */
function readOne(model: AffineVAE, path: string, log: (msg: string) => void): Float32Array {
  const set = readInputImages(path, model.config.height, model.config.width, (w) => log(`warning: ${w}`));
  if (set.n > 1) log(`warning: ${path} holds ${set.n} images; using the first`);
  return toUnit(set.images.subarray(0, model.pixels));
}

/** `affine-vae traverse`: one row per latent, swept from −r to r; optionally a GIF of the warp latents. */
export async function traverseCommand(o: { model: string; image?: string; out: string; range: number; steps: number; gif?: string; scale: number }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const z = latentOf(model, o.image ? readOne(model, o.image, log) : null);
    const { height: h, width: w } = model.config;
    writeGreyPng(o.out, upscale(tile(traverse(model, z, o.range, o.steps), model.latent * o.steps, h, w, o.steps, 1), o.scale));
    log(`wrote ${o.out}: ${model.latent} rows (content 1–${model.config.contentDims}, then warp), ${o.steps} steps from −${o.range} to ${o.range}`);
    if (o.gif) {
      const frames = warpAnimation(model, z, o.range, 24);
      writeFileAtomic(o.gif, greyGif(frames, frames.length / model.pixels, w, h, o.scale));
      log(`wrote ${o.gif}`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae interpolate`: a row of images morphing from A to B. */
export async function interpolateCommand(a: string, b: string, o: { model: string; out: string; steps: number; scale: number }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const images = interpolate(model, latentOf(model, readOne(model, a, log)), latentOf(model, readOne(model, b, log)), o.steps);
    writeGreyPng(o.out, upscale(tile(images, o.steps, model.config.height, model.config.width, o.steps, 1), o.scale));
    log(`wrote ${o.out}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae figure`: the original's picture from the first 12 training images. */
export async function figureCommand(o: DecodeCommandOptions & { out: string }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const first = slice(loadMnist('train'), 0, 12);
    const x = toUnit(first.images);
    const normalized = model.normalize(x, { sample: o.sample, rng: new Rng(o.seed) });
    writeGreyPng(o.out, normalizationFigure(x, normalized, first.height, first.width, o.scale));
    log(`wrote ${o.out}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * `affine-vae evaluate`: test-set metrics as JSON on stdout; with `--report DIR`, the whole
 * evaluation suite (invariance, pose recovery, 1-NN, baselines) as report.json, report.md and
 * figures, and a summary table on stdout.
 */
export async function evaluateCommand(
  o: { model: string; limit?: number; batch: number; seed: number; report?: string; dataset: string; references: number; range: number[][]; defaults: boolean },
  log: (msg: string) => void,
): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const warn = (m: string) => log(`warning: ${m}`);
    const size = model.config.height === model.config.width ? model.config.height : undefined;
    let test = loadDataset(o.dataset, 'test', { size, warn });
    if (test.height !== model.config.height || test.width !== model.config.width) {
      throw new UserError(`${o.dataset} holds ${test.height}×${test.width} images, the model takes ${model.config.height}×${model.config.width}`);
    }
    if (o.limit !== undefined) test = slice(test, 0, o.limit);
    if (o.report) {
      const references = slice(loadDataset(o.dataset, 'train', { size, warn }), 0, o.references);
      log(`evaluating ${o.model} on ${test.n} test images against ${references.n} training references…`);
      const settings = [
        ...(o.defaults ? [{ name: 'natural', ranges: NATURAL_RANGES }, { name: 'hard', ranges: HARD_RANGES }] : []),
        ...o.range.map(([rotation, shear, scale], i) => ({ name: `custom${o.range.length > 1 ? i + 1 : ''}`, ranges: { rotation, shear, scale } })),
      ];
      if (settings.length === 0) throw new UserError('no transform settings: --no-defaults needs at least one --range');
      const { report, inferredRotations, figures, charts } = evaluationReport(model, { test, references, seed: o.seed, settings });
      mkdirSync(o.report, { recursive: true });
      writeFileAtomic(join(o.report, 'report.json'), JSON.stringify({ model: o.model, ...report, inferredRotations }, null, 1));
      const md = reportMarkdown(report, o.model);
      writeFileAtomic(join(o.report, 'report.md'), md);
      for (const [name, img] of Object.entries(figures)) writeGreyPng(join(o.report, `${name}.png`), img);
      for (const [name, svg] of Object.entries(charts)) writeFileAtomic(join(o.report, `${name}.svg`), svg);
      const section = md.slice(md.indexOf('## Normalization'), md.indexOf('## Pose'));
      process.stdout.write(section.split('\n').filter((l) => l.startsWith('|')).join('\n') + '\n');
      log(`wrote ${join(o.report, 'report.md')}, report.json and figures`);
      return 0;
    }
    log(`evaluating ${o.model} on ${test.n} test images…`);
    const m = evaluateSet(model, test, o.batch, o.seed, 64);
    const report = { model: o.model, images: test.n, mse: m.mse, kl: m.klNats, klTerm: m.kl, crossEntropy: m.crossEntropy, accuracy: m.accuracy, loss: m.loss };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae transforms`: one CSV row per image with the inferred pose. */
export async function transformsCommand(input: string, output: string, o: { model: string; sample?: boolean; seed: number }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const { height, width } = model.config;
    const set = readInputImages(input, height, width, (w) => log(`warning: ${w}`));
    const poses = model.inferTransform(toUnit(set.images), { sample: o.sample, rng: new Rng(o.seed) });
    const rows = poses.map((t, i) =>
      [i, t.rotation, t.scaleX, t.scaleY, t.shear, t.translateX, t.translateY, ...t.matrix].map((v) => (Number.isInteger(v) ? v : v.toFixed(6))).join(','),
    );
    writeFileAtomic(output, ['index,rotation_deg,scale_x,scale_y,shear,translate_x,translate_y,t00,t01,t10,t11', ...rows].join('\n') + '\n');
    log(`wrote ${poses.length} transform${poses.length === 1 ? '' : 's'} to ${output}`);
    return 0;
  } finally {
    model.dispose();
  }
}
