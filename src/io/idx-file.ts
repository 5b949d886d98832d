import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { type IdxArray, IdxError, asImages, asLabels, encodeIdx, idxDeclaredBytes, isGzip, parseIdx } from '../data/idx.ts';
import type { ImageSet } from '../data/dataset.ts';
import { UserError, readFileOrFail, writeFileAtomic } from './files.ts';

/** The largest IDX file read, decompressed (MNIST's training images are 47 MB). */
export const MAX_IDX_BYTES = 2 ** 30;

/**
 * Reads an IDX file, gzipped or not; a malformed one is a {@link UserError} naming the file.
 * A gzipped file is decompressed only up to the size its header declares (a file that inflates
 * to more is refused, so a small "bomb" cannot fill memory), and at most {@link MAX_IDX_BYTES}.
 */
export function readIdxFile(path: string): IdxArray {
  try {
    const raw = readFileOrFail(path, 'IDX file', MAX_IDX_BYTES);
    return parseIdx(isGzip(raw) ? gunzipIdx(raw, path) : raw, path);
  } catch (err) {
    if (err instanceof IdxError) throw new UserError(err.message);
    throw err;
  }
}

function gunzipIdx(raw: Uint8Array, path: string): Uint8Array {
  let head: Buffer;
  try {
    // The first compressed bytes, inflated as far as they go: enough for the header.
    head = gunzipSync(raw.subarray(0, 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw new UserError(`${path}: corrupt gzip data: ${(err as Error).message}`);
    head = Buffer.alloc(0);
  }
  const declared = idxDeclaredBytes(new Uint8Array(head.buffer, head.byteOffset, head.byteLength), path);
  if (declared === null) throw new UserError(`${path}: corrupt gzip data: it ends before the IDX header does`);
  if (declared > MAX_IDX_BYTES) throw new UserError(`${path}: the IDX header declares ${declared} bytes, more than the ${MAX_IDX_BYTES} read`);
  try {
    const buf = gunzipSync(raw, { maxOutputLength: Math.max(declared, 1) });
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new UserError(`${path}: decompresses to more than the ${declared} bytes its IDX header declares`);
    }
    throw new UserError(`${path}: corrupt gzip data: ${(err as Error).message}`);
  }
}

/**
 * Reads uint8 images `N × H × W` (or `N × H × W × C`: `channels` is then set) and, optionally,
 * their labels (checked to match in count).
 */
export function readIdxImages(imagesPath: string, labelsPath?: string): ImageSet {
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof IdxError) throw new UserError(err.message);
      throw err;
    }
  };
  const { images, n, height, width, channels } = wrap(() => asImages(readIdxFile(imagesPath), imagesPath));
  const set: ImageSet = { images, n, height, width, ...(channels > 1 ? { channels } : {}) };
  if (!labelsPath) return set;
  const labels = wrap(() => asLabels(readIdxFile(labelsPath), labelsPath));
  if (labels.length !== n) {
    throw new UserError(`${labelsPath}: ${labels.length} labels do not match the ${n} images of ${imagesPath}`);
  }
  return { ...set, labels };
}

/**
 * Writes uint8 images as an uncompressed IDX file: `N × H × W` (magic 2051), or `N × H × W × C`
 * for `channels` > 1.
 */
export function writeIdxImages(path: string, images: Uint8Array, n: number, height: number, width: number, channels = 1): void {
  writeFileAtomic(path, encodeIdx(images, channels > 1 ? [n, height, width, channels] : [n, height, width]));
}
