import { writeFileAtomic } from '../../io/files.ts';
import { loadModelDir } from '../../io/model-dir.ts';
import { writeGreyPng } from '../../io/png.ts';
import type { AffineVAE } from '../../model/vae.ts';
import { tile, upscale } from '../../render/figure.ts';
import { greyGif, interpolate, latentOf, traverse, warpAnimation } from '../../render/latent.ts';
import { readInputImages, toUnit } from '../images.ts';

/** Reads exactly one image (the first of an `.idx`, or a `.png`) as floats in [0, 1]. */
function readOne(model: AffineVAE, path: string, log: (msg: string) => void, maxPixels?: number): Float32Array {
  const set = readInputImages(path, model.config.height, model.config.width, (w) => log(`warning: ${w}`), maxPixels);
  if (set.n > 1) log(`warning: ${path} holds ${set.n} images; using the first`);
  return toUnit(set.images.subarray(0, model.pixels));
}

/** `affine-vae traverse`: one row per latent, swept from −r to r; optionally a GIF of the warp latents. */
export async function traverseCommand(o: { model: string; image?: string; out: string; range: number; steps: number; gif?: string; scale: number; maxImagePixels?: number }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const z = latentOf(model, o.image ? readOne(model, o.image, log, o.maxImagePixels) : null);
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
export async function interpolateCommand(a: string, b: string, o: { model: string; out: string; steps: number; scale: number; maxImagePixels?: number }, log: (msg: string) => void): Promise<number> {
  const model = await loadModelDir(o.model);
  try {
    const images = interpolate(model, latentOf(model, readOne(model, a, log, o.maxImagePixels)), latentOf(model, readOne(model, b, log, o.maxImagePixels)), o.steps);
    writeGreyPng(o.out, upscale(tile(images, o.steps, model.config.height, model.config.width, o.steps, 1), o.scale));
    log(`wrote ${o.out}`);
    return 0;
  } finally {
    model.dispose();
  }
}
