/**
 * The pose a model reads on a posed data set, against the applied poses (a few hundred test
 * images), at one or more angle-search sizes:
 *   node --import tsx scripts/pose-check.ts --model DIR [--dataset mnist-pose:U] [--limit 500] [--split test|train] [--search 1,2,4,8] [--align ink|axis] [--json FILE]
 * `--search` overrides the model's own K at read-out (1: a single encoder pass); `--split train`
 * reads training digits, to choose a read-out without looking at the test set. `evaluate
 * --report` gives the whole evaluation; this is for watching a run and comparing search sizes.
 */
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { slice } from '../src/data/dataset.ts';
import { appliedPoseRecovery } from '../src/eval/pose.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import type { AlignFrame } from '../src/model/config.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command()
  .requiredOption('--model <dir>')
  .option('--dataset <spec>', 'a mnist-pose: set', 'mnist-pose:U')
  .option('--limit <n>', 'test images', Number, 500)
  .option('--split <part>', 'test, or train (to tune a read-out choice without looking at the test digits)', 'test')
  .option('--search <list>', 'angle-search sizes to read with (default: the model\'s own)')
  .option('--align <frame>', 'read with moment alignment in this frame (ink or axis), as --moment-align --align-frame on the CLI')
  .option('--json <file>', 'write the results here')
  .parse()
  .opts();
await selectBackend();
const engine = chooseEngine().engine;
const split = o.split === 'train' ? 'train' : 'test';
const posed = slice(loadDataset(o.dataset, split), 0, o.limit);
const upright = slice(loadDataset(`mnist-pose:upright,frame=${posed.width}`, split), 0, o.limit);
const sizes: (number | undefined)[] = o.search ? String(o.search).split(',').map(Number) : [undefined];
const results = [];
for (const size of sizes) {
  const align = o.align === undefined ? {} : { momentAlign: true, alignFrame: o.align as AlignFrame };
  const model = await loadModelDir(o.model, { engine, ...align, ...(size === undefined ? {} : { angleSearch: size <= 1 ? 0 : size }) });
  const k = model.config.angleSearch ?? 0;
  const t0 = performance.now();
  const { inferredRotation: _, rotationErrorByDigit, ...r } = appliedPoseRecovery(model, posed, upright);
  const row = { search: size ?? k, ...r, rotationErrorByDigit: rotationErrorByDigit.map((e) => Number(e.toFixed(2))), seconds: (performance.now() - t0) / 1000 };
  console.log(JSON.stringify(row));
  results.push(row);
  model.dispose();
}
if (o.json) writeFileSync(o.json, JSON.stringify({ command: process.argv.slice(1).join(' '), model: o.model, dataset: o.dataset, images: posed.n, results }, null, 1) + '\n');
