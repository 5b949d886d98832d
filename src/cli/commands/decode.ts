import { slice } from '../../data/dataset.ts';
import { UserError, writeFileAtomic } from '../../io/files.ts';
import { loadDataset } from '../../io/datasets.ts';
import { writePng } from '../../io/png.ts';
import { Rng } from '../../model/rng.ts';
import type { Pose } from '../../model/transform.ts';
import { normalizationFigure } from '../../render/figure.ts';
import type { CommandContext, ModelChoice } from '../context.ts';
import { readOf } from '../context.ts';
import { toUnit } from '../../data/pixels.ts';
import { readInputImages, writeOutputImages } from '../images.ts';

/** Options shared by the commands that decode images. */
export interface DecodeCommandOptions extends ModelChoice {
  sample?: boolean;
  seed: number;
  scale: number;
}

/**
 * `affine-vae normalize` (warp off; with `resample`, the input's pixels moved by the inverse
 * pose; `passes` as in `AffineVAE.normalize` and `AffineVAE.unwarp`) and
 * `affine-vae reconstruct` (warp on).
 */
export async function decodeCommand(
  mode: 'normalize' | 'reconstruct',
  input: string,
  output: string,
  o: DecodeCommandOptions & { resample?: boolean; passes?: number },
  ctx: CommandContext,
): Promise<number> {
  const { log } = ctx;
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const { height, width } = model.config;
    const set = readInputImages(input, height, width, ctx.warn, ctx.maxImagePixels, model.channels);
    const options = { sample: o.sample, rng: new Rng(o.seed) };
    const x = toUnit(set.images);
    const out =
      mode === 'reconstruct'
        ? model.reconstruct(x, options)
        : o.resample
          ? model.unwarp(x, { ...options, passes: o.passes })
          : model.normalize(x, { ...options, passes: o.passes });
    writeOutputImages(output, out, set.n, height, width, o.scale, model.channels);
    log(`${mode === 'normalize' ? 'normalized' : 'reconstructed'} ${set.n} image${set.n === 1 ? '' : 's'} to ${output}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae render`: decode at any resolution. */
/**
 * The largest `render --size`: one image at N × N holds N² × (H1 + H2) decoder activations
 * (1 GiB at 512 for the seed model), per thread on the native engine.
 */
export const MAX_RENDER_SIZE = 512;

export async function renderCommand(input: string, output: string, o: DecodeCommandOptions & { size: number; reconstructed?: boolean; pose?: Pose }, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  if (o.size > MAX_RENDER_SIZE) throw new UserError(`--size ${o.size}: render draws at most ${MAX_RENDER_SIZE}×${MAX_RENDER_SIZE} (upscale the PNG with --scale for a bigger picture)`);
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const set = readInputImages(input, model.config.height, model.config.width, ctx.warn, ctx.maxImagePixels, model.channels);
    const x = toUnit(set.images);
    let out: Float32Array;
    if (o.pose) {
      // The content of each input, drawn at the one pose asked for.
      out = model.decodeAt(model.content(x), Array.from({ length: set.n }, () => o.pose!), o.size);
    } else {
      out = model.render(x, o.size, !!o.reconstructed, { sample: o.sample, rng: new Rng(o.seed) });
    }
    writeOutputImages(output, out, set.n, o.size, o.size, o.scale, model.channels);
    const what = o.pose ? `at pose ${JSON.stringify(o.pose)}` : o.reconstructed ? 'reconstructed' : 'normalized';
    log(`rendered ${set.n} image${set.n === 1 ? '' : 's'} at ${o.size}×${o.size} (${what}) to ${output}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * `affine-vae figure`: the original's picture from the first 12 training images (of MNIST, or of
 * mnist-colour for a 3-channel model).
 */
export async function figureCommand(o: DecodeCommandOptions & { out: string }, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const { height, width } = model.config;
    if (model.channels !== 1 && model.channels !== 3) throw new UserError(`figure draws MNIST digits (grey or coloured); ${o.model} takes ${model.channels}-channel images`);
    const first = slice(loadDataset(model.channels === 3 ? 'mnist-colour' : 'mnist', 'train'), 0, 12);
    if (first.height !== height || first.width !== width) throw new UserError(`figure draws 28×28 MNIST digits; ${o.model} takes ${height}×${width} images`);
    const x = toUnit(first.images);
    const normalized = model.normalize(x, { sample: o.sample, rng: new Rng(o.seed) });
    writePng(o.out, normalizationFigure(x, normalized, height, width, o.scale, model.channels));
    log(`wrote ${o.out}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae transforms`: one CSV row per image with the inferred pose. */
export async function transformsCommand(input: string, output: string, o: ModelChoice & { sample?: boolean; seed: number }, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const { height, width } = model.config;
    const set = readInputImages(input, height, width, ctx.warn, ctx.maxImagePixels, model.channels);
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
