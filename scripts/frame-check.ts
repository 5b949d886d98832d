/**
 * How much a canonical frame alone helps k-means: pixels of test digits centred on their ink;
 * centred and turned by their ink's third moment (moment alignment's frame); and centred with the
 * principal axis vertical, the end the third moment points to up. Clustered as the
 * report clusters (10 clusters, 10 restarts, Hungarian accuracy), on upright and MNIST(U) digits.
 * Then, for each digit, the share of its upright test digits that each turning frame (ink and
 * axis) lands upside down: a frame that lands a class both ways splits it in two for the content.
 *   node --import tsx scripts/frame-check.ts [--limit 2000]
 */
import { Command } from 'commander';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { matchedAccuracy } from '../src/eval/cluster.ts';
import { kMeans } from '../src/model/kmeans.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { alignImages, inkFrames } from '../src/model/orientation.ts';
import { wrapDegrees } from '../src/model/transform.ts';
import { Rng } from '../src/model/rng.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command().option('--limit <n>', 'test digits a set', Number, 2000).parse().opts();
await selectBackend();
/** For each digit, the share of `turns` (one per image) that land it upside down. */
function upsideDownShares(turns: Float32Array, labels: ArrayLike<number>): number[] {
  const [down, count] = [new Array(10).fill(0), new Array(10).fill(0)];
  turns.forEach((t, i) => {
    count[labels[i]]++;
    if (Math.abs(wrapDegrees(t)) > 90) down[labels[i]]++;
  });
  return down.map((d, c) => Number((d / count[c]).toFixed(2)));
}

let upsideDown: Record<string, number[]> = {};
for (const spec of ['mnist-pose:upright', 'mnist-pose:U']) {
  const set = slice(loadDataset(spec, 'test'), 0, o.limit);
  const { n, height: h, width: w } = set;
  const x = toUnit(set.images);
  const { turns: ink, centres } = inkFrames(x, n, h, w, 1, 'ink');
  const axis = inkFrames(x, n, h, w, 1, 'axis').turns;
  const at = (degrees: ArrayLike<number>) => alignImages(x, n, h, w, degrees, centres);
  const frames = {
    centred: at(new Float32Array(n)),
    'centred and turned by the ink': at(ink),
    // The principal axis upright, the end the third moment points to on top: a frame that also
    // turns with the image, nearer to how digits are written.
    'centred, axis vertical, the ink up': at(axis),
  };
  for (const [name, pixels] of Object.entries(frames)) {
    const accuracy = matchedAccuracy(kMeans(pixels, h * w, 10, new Rng(0), 10).assignment, set.labels!);
    console.log(JSON.stringify({ spec, frame: name, kMeans: Number(accuracy.toFixed(3)) }));
  }
  // On upright digits a turn over 90° lands the digit upside down.
  if (spec === 'mnist-pose:upright') upsideDown = { ink: upsideDownShares(ink, set.labels!), axis: upsideDownShares(axis, set.labels!) };
}
for (const [frame, byDigit] of Object.entries(upsideDown)) console.log(JSON.stringify({ frame, upsideDownShareByDigit: byDigit }));
