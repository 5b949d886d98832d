import { extname } from 'node:path';
import type { ImageSet } from '../data/dataset.ts';
import { UserError } from '../io/files.ts';
import { readIdxImages, writeIdxImages } from '../io/idx-file.ts';
import { requireChannels } from '../io/datasets.ts';
import { MAX_IMAGE_PIXELS, readPngAsInput, writeGreyPng } from '../io/png.ts';
import { tile, upscale } from '../render/figure.ts';
import { toBytes } from '../data/pixels.ts';

/**
 * Reads `.idx` (uint8 N×H×W, gzipped or not) or `.png` input as images of the model's size; a
 * PNG may declare at most `maxPixels` pixels.
 */
export function readInputImages(path: string, height: number, width: number, warn: (msg: string) => void, maxPixels = MAX_IMAGE_PIXELS): ImageSet {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') {
    const { pixels, warnings } = readPngAsInput(path, width, height, maxPixels);
    warnings.forEach(warn);
    return { images: pixels, n: 1, height, width };
  }
  if (ext === '.idx' || ext === '.gz' || ext === '' || path.includes('-ubyte')) {
    const set = readIdxImages(path);
    requireChannels(set, 1, path);
    if (set.height !== height || set.width !== width) {
      throw new UserError(`${path}: images are ${set.height}×${set.width}, the model takes ${height}×${width}`);
    }
    return set;
  }
  throw new UserError(`${path}: unknown input type '${ext}' (use .idx or .png)`);
}

/**
 * Writes `n` images (floats in [0, 1]) as `.idx` (uint8) or `.png` (one image as is, several as a
 * grid of up to 10 columns), upscaled by `scale` for PNG.
 */
export function writeOutputImages(path: string, pixels: Float32Array, n: number, height: number, width: number, scale = 1): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.idx') {
    writeIdxImages(path, toBytes(pixels), n, height, width);
  } else if (ext === '.png') {
    writeGreyPng(path, upscale(tile(pixels, n, height, width, Math.min(n, 10), n > 1 ? 1 : 0), scale));
  } else {
    throw new UserError(`${path}: unknown output type '${ext}' (use .idx or .png)`);
  }
}
