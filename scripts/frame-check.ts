/**
 * How much a canonical frame alone helps k-means: pixels of test digits centred on their ink;
 * centred and turned by their ink's third moment (moment alignment's frame); and centred with the
 * principal axis vertical, the end the third moment points to up. Clustered as the
 * report clusters (10 clusters, 10 restarts, Hungarian accuracy), on upright and MNIST(U) digits:
 *   node --import tsx scripts/frame-check.ts [--limit 2000]
 */
import { Command } from 'commander';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { kMeans, matchedAccuracy } from '../src/eval/cluster.ts';
import { principalAngle } from '../src/eval/moments.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { inkCentres, inkTurns } from '../src/model/orientation.ts';
import { Rng } from '../src/model/rng.ts';
import { rotationMatrix, transformImages } from '../src/model/transform-images.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command().option('--limit <n>', 'test digits a set', Number, 2000).parse().opts();
await selectBackend();
for (const spec of ['mnist-pose:upright', 'mnist-pose:U']) {
  const set = slice(loadDataset(spec, 'test'), 0, o.limit);
  const { n, height: h, width: w } = set;
  const x = toUnit(set.images);
  const centres = inkCentres(x, n, h, w);
  const at = (T: [number, number, number, number][]) =>
    transformImages(x, n, h, w, T, T.map(([a, b, c, d], i): [number, number] => [-(a * centres[2 * i] + b * centres[2 * i + 1]), -(c * centres[2 * i] + d * centres[2 * i + 1])]));
  const ink = inkTurns(x, n, h, w);
  // The principal axis turned vertical, the end the third moment points to up: a frame that also
  // turns with the image, nearer to how digits are written.
  const axis = Array.from({ length: n }, (_, i) => {
    const turn = -principalAngle(x.subarray(i * h * w, (i + 1) * h * w), h, w);
    const wrap = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;
    return Math.abs(wrap(turn - ink[i])) <= 90 ? turn : turn + 180;
  });
  const frames = {
    centred: at(new Array(n).fill([1, 0, 0, 1])),
    'centred and turned by the ink': at(Array.from(ink, rotationMatrix)),
    'centred, axis vertical, the ink up': at(axis.map(rotationMatrix)),
  };
  for (const [name, pixels] of Object.entries(frames)) {
    const accuracy = matchedAccuracy(kMeans(pixels, h * w, 10, new Rng(0), 10).assignment, set.labels!);
    console.log(JSON.stringify({ spec, frame: name, kMeans: Number(accuracy.toFixed(3)) }));
  }
}
