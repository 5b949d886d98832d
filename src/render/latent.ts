import * as tf from '@tensorflow/tfjs-core';
import * as gifenc from 'gifenc';

// gifenc is CommonJS in Node (one default export) and ESM in bundlers (named exports).
const { GIFEncoder, quantize, applyPalette } = ('GIFEncoder' in gifenc ? gifenc : (gifenc as unknown as { default: typeof gifenc }).default) as typeof gifenc;
import type { AffineVAE } from '../model/vae.ts';
import { valuesOf } from '../tensors/read.ts';
import { toBytes } from '../data/pixels.ts';

/**
 * Looking inside the latent space: sweeping one latent at a time, and walking between two
 * images' latents. All decoding goes through the model (so through the fast engine).
 */

/** The posterior mean of one image (`P·C` floats in [0, 1]), or the prior mean (zeros) without one. */
export function latentOf(model: AffineVAE, image: Float32Array | null): Float32Array {
  if (!image) return new Float32Array(model.latent);
  return model.posterior(image).mean;
}

/**
 * A traversal: for each latent `i` (a row), `steps` images with `z[i]` swept from `−r` to `r`
 * around `z` and the rest fixed. Decoded with the warp on, so warp latents show what they do.
 * @returns `latent·steps × P·C` images, row by row.
 */
export function traverse(model: AffineVAE, z: Float32Array, range: number, steps: number): Float32Array {
  const L = model.latent;
  const codes = new Float32Array(L * steps * L);
  for (let i = 0; i < L; i++) {
    for (let k = 0; k < steps; k++) {
      const row = codes.subarray((i * steps + k) * L, (i * steps + k + 1) * L);
      row.set(z);
      row[i] = z[i] - range + (2 * range * k) / Math.max(1, steps - 1);
    }
  }
  return decodeCodes(model, codes, true);
}

/** `steps` images whose latents go in a straight line from `a` to `b` (warp on). */
export function interpolate(model: AffineVAE, a: Float32Array, b: Float32Array, steps: number): Float32Array {
  const L = model.latent;
  const codes = new Float32Array(steps * L);
  for (let k = 0; k < steps; k++) {
    const t = steps === 1 ? 0 : k / (steps - 1);
    for (let i = 0; i < L; i++) codes[k * L + i] = (1 - t) * a[i] + t * b[i];
  }
  return decodeCodes(model, codes, true);
}

/** Frames of one digit turned through each warp latent in turn: `0 → −r → r → 0`. */
export function warpAnimation(model: AffineVAE, z: Float32Array, range: number, framesPerLatent: number): Float32Array {
  const L = model.latent;
  const zc = model.config.contentDims;
  const frames: Float32Array[] = [];
  for (let i = zc; i < L; i++) {
    for (let k = 0; k < framesPerLatent; k++) {
      const code = z.slice();
      code[i] = z[i] + range * Math.sin((2 * Math.PI * k) / framesPerLatent);
      frames.push(code);
    }
  }
  const codes = new Float32Array(frames.length * L);
  frames.forEach((f, k) => codes.set(f, k * L));
  return decodeCodes(model, codes, true);
}

function decodeCodes(model: AffineVAE, codes: Float32Array, applyWarp: boolean): Float32Array {
  const n = codes.length / model.latent;
  const out = new Float32Array(n * model.values);
  for (let s = 0; s < n; s += 64) {
    const e = Math.min(n, s + 64);
    const part = valuesOf(() => model.decode(tf.tensor2d(codes.subarray(s * model.latent, e * model.latent), [e - s, model.latent]), applyWarp));
    out.set(part, s * model.values);
  }
  return out;
}

/**
 * Encodes frames (`n × w·h·channels`, values in [0, 1]) as a looping GIF, upscaled by `scale`:
 * grey frames exactly (a palette of 256 greys), colour ones (the first three channels as RGB)
 * through a palette of 256 colours quantized per frame.
 */
export function animatedGif(frames: Float32Array, n: number, w: number, h: number, scale = 4, delayMs = 60, channels = 1): Uint8Array {
  const grey = Array.from({ length: 256 }, (_, v) => [v, v, v]);
  const gif = GIFEncoder();
  const [W, H] = [w * scale, h * scale];
  const bytes = toBytes(frames);
  const C = channels;
  for (let f = 0; f < n; f++) {
    const at = (x: number, y: number) => (f * w * h + Math.floor(y / scale) * w + Math.floor(x / scale)) * C;
    if (C === 1) {
      // The palette is 256 greys: the byte is the index.
      const index = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) index[y * W + x] = bytes[at(x, y)];
      gif.writeFrame(index, W, H, { palette: grey, delay: delayMs, repeat: 0 });
      continue;
    }
    const rgba = new Uint8Array(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const [i, o] = [at(x, y), 4 * (y * W + x)];
        for (let c = 0; c < 3; c++) rgba[o + c] = c < C ? bytes[i + c] : 0;
        rgba[o + 3] = 255;
      }
    }
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), W, H, { palette, delay: delayMs, repeat: 0 });
  }
  gif.finish();
  return gif.bytes();
}
