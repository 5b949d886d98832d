/**
 * A quick look at a model's pose read-out on a posed data set (a few hundred test images):
 *   node --import tsx scripts/pose-check.ts --model DIR [--dataset mnist-pose:U] [--limit 500] [--search K]
 * `evaluate --report` gives the whole evaluation; this is for watching a run.
 */
import { Command } from 'commander';
import { slice } from '../src/data/dataset.ts';
import { appliedPoseRecovery } from '../src/eval/pose.ts';
import { loadDataset, poseDistribution } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command()
  .requiredOption('--model <dir>')
  .option('--dataset <spec>', 'a mnist-pose: set', 'mnist-pose:U')
  .option('--limit <n>', 'test images', Number, 500)
  .option('--search <k>', 'override the model angle search', Number)
  .parse()
  .opts();
await selectBackend();
const model = await loadModelDir(o.model, { engine: chooseEngine().engine });
if (o.search !== undefined) (model.config as { angleSearch?: number }).angleSearch = o.search;
const d = poseDistribution(o.dataset.split(':')[1]);
const posed = slice(loadDataset(o.dataset, 'test'), 0, o.limit);
const upright = slice(loadDataset(`mnist-pose:upright,frame=${d.frame}`, 'test'), 0, o.limit);
const t0 = performance.now();
const { inferredRotation, ...r } = appliedPoseRecovery(model, posed, upright);
console.log(JSON.stringify({ ...r, seconds: (performance.now() - t0) / 1000 }, null, 1));
