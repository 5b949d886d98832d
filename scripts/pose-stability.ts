/**
 * How stable the pose read-out of a full-pose model is, on 500 MNIST(U) test digits: the turn
 * read on a digit and on the same digit turned again by a known angle, and on an upright digit
 * and on the same digit moved by half a pixel. Half-turn flips between
 * such readings show that the search's choice between a turn and its half turn is on a knife
 * edge.   node --import tsx scripts/pose-stability.ts [MODEL_DIR]
 */
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { toUnit } from '../src/data/pixels.ts';
import { slice } from '../src/data/dataset.ts';
import { compose, wrapDegrees as wrap } from '../src/model/transform.ts';
import { transformImages } from '../src/model/transform-images.ts';
await selectBackend();
const model = await loadModelDir(process.argv[2] ?? 'models/mnist-pose', { engine: chooseEngine().engine });
const s = slice(loadDataset('mnist-pose:U', 'test'), 0, 500);
const x = toUnit(s.images);
const n = s.n;
const beta = Array.from({ length: n }, (_, i) => ((i * 137) % 360) - 180);
const turned = transformImages(x, n, 50, 50, beta.map((b) => compose(b, 1, 1, 0)));
const a = model.inferTransform(x), b = model.inferTransform(turned);
const err = beta.map((bb, i) => Math.abs(wrap(b[i].rotation - a[i].rotation - bb)));
console.log('posed vs posed+turn: mean err', (err.reduce((p, q) => p + q) / n).toFixed(1), 'flipped', err.filter((e) => e > 90).length / n);
// The upright digit moved by half a pixel (1/49 grid units in a 50-pixel frame) on each axis.
const up = toUnit(slice(loadDataset('mnist-pose:upright', 'test'), 0, 500).images);
const upBlur = transformImages(up, n, 50, 50, Array(n).fill(compose(0, 1, 1, 0)), Array(n).fill([1 / 49, 1 / 49]));
const u0 = model.inferTransform(up), u1 = model.inferTransform(upBlur);
const e2 = u0.map((r, i) => Math.abs(wrap(u1[i].rotation - r.rotation)));
console.log('upright vs upright moved half a pixel: mean diff', (e2.reduce((p, q) => p + q) / n).toFixed(1), 'flipped', e2.filter((e) => e > 90).length / n);
const rot = u0.map((r) => Math.abs(wrap(r.rotation)));
console.log('upright read: |rotation| mean', (rot.reduce((p, q) => p + q) / n).toFixed(1), 'over 90', rot.filter((e) => e > 90).length / n);
const rp = a.map((r, i) => Math.abs(wrap(r.rotation - s.poses![3 * i])));
console.log('posed read vs applied (no upright subtraction): mean', (rp.reduce((p, q) => p + q) / n).toFixed(1), 'over 90', rp.filter((e) => e > 90).length / n);
