import { extname } from 'node:path';
import type { ImageSet } from '../data/dataset.ts';
import { UserError } from '../io/files.ts';
import { readIdxImages, writeIdxImages } from '../io/idx-file.ts';
import { requireChannels } from '../io/datasets.ts';
import { MAX_IMAGE_PIXELS, readPngAsInput, writePng } from '../io/png.ts';
import { tile, upscale } from '../render/figure.ts';
import { toBytes } from '../data/pixels.ts';

/**
 * Reads `.idx` (uint8 N×H×W or N×H×W×C, gzipped or not) or `.png` input as images of the model's
 * size and `channels`; a PNG may declare at most `maxPixels` pixels.
 */
export function readInputImages(path: string, height: number, width: number, warn: (msg: string) => void, maxPixels = MAX_IMAGE_PIXELS, channels = 1): ImageSet {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') {
    const { pixels, warnings } = readPngAsInput(path, width, height, maxPixels, channels);
    warnings.forEach(warn);
    return { images: pixels, ...(channels > 1 ? { channels } : {}), n: 1, height, width };
  }
  if (ext === '.idx' || ext === '.gz' || ext === '' || path.includes('-ubyte')) {
    const set = readIdxImages(path);
    requireChannels(set, channels, path);
    if (set.height !== height || set.width !== width) {
      throw new UserError(`${path}: images are ${set.height}×${set.width}, the model takes ${height}×${width}`);
    }
    return set;
  }
  throw new UserError(`${path}: unknown input type '${ext}' (use .idx or .png)`);
}

/**
 * Writes `n` images (floats in [0, 1], `channels` per pixel) as `.idx` (uint8, N×H×W or
 * N×H×W×C) or `.png` (one image as is, several as a grid of up to 10 columns; grey, RGB or RGBA),
 * upscaled by `scale` for PNG.
 */
export function writeOutputImages(path: string, pixels: Float32Array, n: number, height: number, width: number, scale = 1, channels = 1): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.idx') {
    writeIdxImages(path, toBytes(pixels), n, height, width, channels);
  } else if (ext === '.png') {
    writePng(path, upscale(tile(pixels, n, height, width, Math.min(n, 10), n > 1 ? 1 : 0, 0, channels), scale));
  } else {
    throw new UserError(`${path}: unknown output type '${ext}' (use .idx or .png)`);
  }
}
