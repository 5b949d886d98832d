/**
 * Where one digit's test images go among a mixture model's components, as a picture: for each
 * component holding at least 3 of them, a band of three rows of up to 12 images (as given; as
 * the encoder sees them, turned and centred by moment alignment; as the model redraws them with
 * the warp off), and on stdout each band's component, that component's commonest digit and how
 * many of the digit it holds. Labels pick the digit and name the bands, nothing else.
 *   node --import tsx scripts/component-digits.ts --model DIR [--dataset mnist-pose:U] [--digit 4] [--limit 2000] [--out FILE.png]
 */
import { Command } from 'commander';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { writePng } from '../src/io/png.ts';
import { chooseEngine } from '../src/native/select.ts';
import { stack, tile } from '../src/render/figure.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command()
  .requiredOption('--model <dir>', 'a model with a mixture prior')
  .option('--dataset <spec>', 'a labelled data set', 'mnist-pose:U')
  .option('--digit <d>', 'the class to follow', Number, 4)
  .option('--limit <n>', 'test images', Number, 2000)
  .option('--out <file>', 'the picture', 'component-digits.png')
  .parse()
  .opts();
await selectBackend();
const model = await loadModelDir(o.model, { engine: chooseEngine().engine });
const set = slice(loadDataset(o.dataset, 'test'), 0, o.limit);
if (!set.labels) throw new Error(`${o.dataset} has no labels`);
const x = toUnit(set.images);
const components = model.components(x);
if (!components) throw new Error(`${o.model} has no mixture prior`);
const values = model.values;
const [perRow, bands] = [12, [] as ReturnType<typeof tile>[]];
const shownBands: { component: number; commonestDigit: number; images: number }[] = [];
// Each component's commonest digit, to name the bands.
const commonest = Array.from({ length: model.prior!.components }, (_, c) => {
  const tally = new Array<number>(10).fill(0);
  components.forEach((k, i) => k === c && tally[set.labels![i]]++);
  return tally.indexOf(Math.max(...tally));
});
for (let c = 0; c < model.prior!.components; c++) {
  const mine = [...components.keys()].filter((i) => set.labels![i] === o.digit && components[i] === c);
  if (mine.length < 3) continue;
  shownBands.push({ component: c, commonestDigit: commonest[c], images: mine.length });
  const shown = mine.slice(0, perRow);
  const given = new Float32Array(perRow * values);
  shown.forEach((i, k) => given.set(x.subarray(i * values, (i + 1) * values), k * values));
  const part = given.subarray(0, shown.length * values);
  const { turns, centres } = model.alignment(part);
  const band = new Float32Array(3 * perRow * values);
  band.set(given, 0);
  band.set(model.alignedImages(part, turns, centres), perRow * values);
  band.set(model.normalize(part), 2 * perRow * values);
  bands.push(tile(band, 3 * perRow, set.height, set.width, perRow, 2, 0.3, model.channels));
}
console.log(JSON.stringify({ digit: o.digit, images: set.n, bands: shownBands }));
writePng(o.out, stack(bands, 6));
model.dispose();
