/**
 * What pixel subsampling does to time-to-quality: trains the same model for the same wall-clock
 * budget with all pixels and with a subset, and reports full-image validation MSE over time.
 *
 *   node --import tsx scripts/pixels-experiment.ts --seconds 120 --pixels 196 --json pixels.json
 */
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { evaluateSet } from '../src/objective/metrics.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { SEED_TRAIN, buildModelConfig } from '../src/model/config.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { registerGradients } from '../src/train/gradients.ts';
import { Trainer } from '../src/train/trainer.ts';

registerGradients();

const o = new Command()
  .option('--seconds <s>', 'wall-clock budget per run', Number, 120)
  .option('--pixels <n>', 'pixels per step in the subsampled run', Number, 196)
  .option('--hidden <n>', 'hidden widths', Number, 256)
  .option('--json <file>', 'write the results as JSON')
  .parse()
  .opts();

await selectBackend();
const engine = chooseEngine();
const split = validationSplit(slice(loadMnist('train'), 0, 20000), 0.05);
const results: Record<string, { seconds: number; images: number; valMse: number }[]> = {};
for (const pixels of [0, o.pixels]) {
  const name = pixels ? `${pixels} pixels` : 'all 784 pixels';
  const model = new AffineVAE(buildModelConfig('seed', { hidden: o.hidden }), { seed: 1, engine: engine.engine });
  const trainer = new Trainer(model, split, { ...SEED_TRAIN, epochs: 1000, batch: 100, pixels });
  const start = performance.now();
  const curve: { seconds: number; images: number; valMse: number }[] = [];
  let images = 0;
  let nextCheck = 0;
  await trainer.run({
    onStep: () => {
      images += 100;
    },
    shouldStop: () => {
      const t = (performance.now() - start) / 1000;
      if (t >= nextCheck) {
        curve.push({ seconds: t, images, valMse: evaluateSet(model, split.validation, 500, 0).mse });
        console.error(`${name}: ${t.toFixed(0)} s, ${images} images, validation MSE ${curve.at(-1)!.valMse.toFixed(5)}`);
        nextCheck += o.seconds / 6;
      }
      return t >= o.seconds;
    },
  });
  results[name] = curve;
  trainer.dispose();
  model.dispose();
}
const out = { engine: engine.name, hidden: o.hidden, batch: 100, budgetSeconds: o.seconds, results };
console.log(JSON.stringify(out, null, 1));
if (o.json) writeFileSync(o.json, JSON.stringify(out, null, 1) + '\n');
