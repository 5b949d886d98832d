import type { ImageSet } from '../data/dataset.ts';
import { luminance } from '../data/resize.ts';
import { Rng } from '../model/rng.ts';

/**
 * Coloured MNIST, a colour data set that needs no download: each digit's ink and background
 * tinted by seeded random colours (RGB, `n × 28 × 28 × 3`), with the ink kept distinguishable
 * from the background (their luminances differ by at least a third of the range).
 */

/**
 * `set` (grey, ink = 255) with each image's ink and background given random colours drawn from
 * `seed`: a pixel of grey value `v` becomes `background + (ink − background)·v/255` per channel.
 */
export function colouredSet(set: ImageSet, seed: number): ImageSet {
  if ((set.channels ?? 1) !== 1) throw new Error('only grey images can be coloured');
  const rng = new Rng(seed);
  const p = set.height * set.width;
  const out = new Uint8Array(set.n * p * 3);
  for (let i = 0; i < set.n; i++) {
    let ink: number[];
    let background: number[];
    do {
      ink = [rng.uniform(), rng.uniform(), rng.uniform()];
      background = [rng.uniform(), rng.uniform(), rng.uniform()];
    } while (Math.abs(luminance(ink[0], ink[1], ink[2]) - luminance(background[0], background[1], background[2])) < 1 / 3);
    for (let k = 0; k < p; k++) {
      const v = set.images[i * p + k] / 255;
      for (let c = 0; c < 3; c++) out[(i * p + k) * 3 + c] = Math.round(255 * (background[c] + (ink[c] - background[c]) * v));
    }
  }
  return { images: out, channels: 3, labels: set.labels, n: set.n, height: set.height, width: set.width };
}
