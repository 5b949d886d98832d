import { type IdxArray, IdxError, asImages, asLabels, encodeIdx, parseIdx } from '../data/idx.ts';
import type { ImageSet } from '../data/dataset.ts';
import { UserError, readMaybeGzip, writeFileAtomic } from './files.ts';

/** Reads an IDX file, gzipped or not; a malformed one is a {@link UserError} naming the file. */
export function readIdxFile(path: string): IdxArray {
  const bytes = readMaybeGzip(path, 'IDX file');
  try {
    return parseIdx(bytes, path);
  } catch (err) {
    if (err instanceof IdxError) throw new UserError(err.message);
    throw err;
  }
}

/** Reads uint8 images `N × H × W` and, optionally, their labels (checked to match in count). */
export function readIdxImages(imagesPath: string, labelsPath?: string): ImageSet {
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof IdxError) throw new UserError(err.message);
      throw err;
    }
  };
  const { images, n, height, width } = wrap(() => asImages(readIdxFile(imagesPath), imagesPath));
  if (!labelsPath) return { images, n, height, width };
  const labels = wrap(() => asLabels(readIdxFile(labelsPath), labelsPath));
  if (labels.length !== n) {
    throw new UserError(`${labelsPath}: ${labels.length} labels do not match the ${n} images of ${imagesPath}`);
  }
  return { images, labels, n, height, width };
}

/** Writes uint8 images as an uncompressed IDX file (magic 2051). */
export function writeIdxImages(path: string, images: Uint8Array, n: number, height: number, width: number): void {
  writeFileAtomic(path, encodeIdx(images, [n, height, width]));
}
