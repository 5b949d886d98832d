/**
 * What encoder passes do to normalization: invariance and 1-NN accuracy of transformed and upright
 * test digits, normalized by `unwarp` (resampled) and by `normalize` (redrawn), for each number
 * of passes.
 *
 *   node --import tsx scripts/passes.ts --model models/mnist-seed --setting natural --json passes.json
 */
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { slice } from '../src/data/dataset.ts';
import { type Normalizer, invarianceOf, nearestNeighbourAccuracy, transformSet } from '../src/eval/suite.ts';
import { HARD_RANGES, NATURAL_RANGES } from '../src/eval/transforms.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { chooseEngine } from '../src/native/select.ts';
import { toUnit } from '../src/data/pixels.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command()
  .requiredOption('--model <dir>', 'model directory')
  .addOption(new Option('--setting <name>', 'transform setting').choices(['natural', 'hard']).default('natural'))
  .option('--passes <list>', 'numbers of passes to try', '1,2,3,4,6')
  .option('--limit <n>', 'test digits', Number, 1000)
  .option('--references <n>', '1-NN references (the first N training digits)', Number, 10000)
  .option('--seed <n>', 'seed of the random transforms', Number, 17)
  .option('--json <file>', 'write the results as JSON')
  .parse()
  .opts();

await selectBackend();
const model = await loadModelDir(o.model, { engine: chooseEngine().engine });
const test = slice(loadMnist('test'), 0, o.limit);
const refs = slice(loadMnist('train'), 0, o.references);
const refX = toUnit(refs.images);
const t = transformSet(test, o.setting === 'hard' ? HARD_RANGES : NATURAL_RANGES, o.seed);
const rows: { mode: string; passes: number; transformed: number; upright: number; invariance: number }[] = [];
console.log('| normalizer | passes | 1-NN transformed | 1-NN upright | invariance |\n|---|---|---|---|---|');
for (const passes of String(o.passes).split(',').map(Number)) {
  const modes: Record<string, Normalizer> = {
    resampled: (x) => model.unwarp(x, { passes }),
    redrawn: (x) => model.normalize(x, { passes }),
  };
  for (const [mode, f] of Object.entries(modes)) {
    const references = f(refX, refs.n);
    const [upright, transformed] = [f(t.original, t.n), f(t.transformed, t.n)];
    const knn = (normalized: Float32Array) => nearestNeighbourAccuracy(normalized, test.labels!, references, refs.labels!, model.pixels);
    const row = { mode, passes, transformed: knn(transformed), upright: knn(upright), invariance: invarianceOf(upright, transformed, t) };
    rows.push(row);
    console.log(`| ${mode} | ${passes} | ${row.transformed.toFixed(3)} | ${row.upright.toFixed(3)} | ${row.invariance.toFixed(3)} |`);
  }
}
if (o.json) writeFileSync(o.json, JSON.stringify({ model: o.model, setting: o.setting, limit: o.limit, references: o.references, seed: o.seed, rows }, null, 1) + '\n');
model.dispose();
