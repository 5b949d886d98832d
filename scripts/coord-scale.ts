/**
 * Experiment: does a larger initial scale on the decoder's coordinate weights help a model learn
 * content in a frame larger than the digit? Trains the fast recipe on `--dataset` for `--minutes`
 * with W1's (y, x) rows multiplied by `--scale` at init, and prints the test MSE.
 *   node --import tsx scripts/coord-scale.ts --dataset mnist-pose:upright --minutes 5 --scale 3
 */
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { PRESETS, buildModelConfig } from '../src/model/config.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { chooseEngine } from '../src/native/select.ts';
import { evaluateSet } from '../src/objective/metrics.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { registerGradients } from '../src/train/gradients.ts';
import { RECIPES } from '../src/train/recipes.ts';
import { Trainer } from '../src/train/trainer.ts';

const o = new Command()
  .option('--dataset <spec>', 'data', 'mnist-pose:upright')
  .option('--minutes <m>', 'budget', Number, 5)
  .option('--scale <s>', 'initial scale of the coordinate weights', Number, 1)
  .option('--preset <p>', 'preset', 'rotation-translation')
  .parse()
  .opts();
registerGradients();
await selectBackend();
const { engine } = chooseEngine();
const data = loadDataset(o.dataset, 'train');
const config = { ...buildModelConfig(o.preset, { ...RECIPES.fast.model, crossEntropy: 0, translationPrior: 0.3 }), height: data.height, width: data.width };
const model = new AffineVAE(config, { seed: 1, engine });
const w1 = model.decoder.hidden[0].kernel;
const [rows, units] = w1.shape;
w1.assign(tf.concat([tf.mul(tf.slice(w1, [0, 0], [2, units]), o.scale) as tf.Tensor2D, tf.slice(w1, [2, 0], [rows - 2, units])], 0));
const train = { ...PRESETS[o.preset].train, ...RECIPES.fast.train, epochs: 1000, minutes: o.minutes };
const trainer = new Trainer(model, validationSplit(data, 0.02), train, { budget: { endsAt: performance.now() + o.minutes * 60e3, finalImages: 0 } });
await trainer.run({ onEpoch: (r) => console.error(`epoch ${r.epoch}: val mse ${r.validation?.mse.toFixed(5)}`) });
const test = slice(loadDataset(o.dataset, 'test'), 0, 2000);
console.log(JSON.stringify({ scale: o.scale, dataset: o.dataset, minutes: o.minutes, testMse: evaluateSet(model, test, 500, 1).mse }));
