import { writeFileAtomic } from '../../io/files.ts';
import { writePng } from '../../io/png.ts';
import type { AffineVAE } from '../../model/vae.ts';
import { tile, upscale } from '../../render/figure.ts';
import { animatedGif, interpolate, latentOf, traverse, warpAnimation } from '../../render/latent.ts';
import type { CommandContext, ModelChoice } from '../context.ts';
import { readOf } from '../context.ts';
import { toUnit } from '../../data/pixels.ts';
import { readInputImages } from '../images.ts';

/** Reads exactly one image (the first of an `.idx`, or a `.png`) as floats in [0, 1]. */
function readOne(model: AffineVAE, path: string, ctx: CommandContext): Float32Array {
  const set = readInputImages(path, model.config.height, model.config.width, ctx.warn, ctx.maxImagePixels, model.channels);
  if (set.n > 1) ctx.warn(`${path} holds ${set.n} images; using the first`);
  return toUnit(set.images.subarray(0, model.values));
}

/** `affine-vae traverse`: one row per latent, swept from −r to r; optionally a GIF of the warp latents. */
export async function traverseCommand(o: ModelChoice & { image?: string; out: string; range: number; steps: number; gif?: string; scale: number }, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const z = latentOf(model, o.image ? readOne(model, o.image, ctx) : null);
    const { height: h, width: w } = model.config;
    writePng(o.out, upscale(tile(traverse(model, z, o.range, o.steps), model.latent * o.steps, h, w, o.steps, 1, 0, model.channels), o.scale));
    log(`wrote ${o.out}: ${model.latent} rows (content 1–${model.config.contentDims}, then warp), ${o.steps} steps from −${o.range} to ${o.range}`);
    if (o.gif) {
      const frames = warpAnimation(model, z, o.range, 24);
      writeFileAtomic(o.gif, animatedGif(frames, frames.length / model.values, w, h, o.scale, undefined, model.channels));
      log(`wrote ${o.gif}`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}

/** `affine-vae interpolate`: a row of images morphing from A to B. */
export async function interpolateCommand(a: string, b: string, o: ModelChoice & { out: string; steps: number; scale: number }, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const images = interpolate(model, latentOf(model, readOne(model, a, ctx)), latentOf(model, readOne(model, b, ctx)), o.steps);
    writePng(o.out, upscale(tile(images, o.steps, model.config.height, model.config.width, o.steps, 1, 0, model.channels), o.scale));
    log(`wrote ${o.out}`);
    return 0;
  } finally {
    model.dispose();
  }
}
