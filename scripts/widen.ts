/**
 * A trained model with a wider encoder that computes exactly what the trained one does: each
 * hidden layer gains units whose incoming weights are fresh (Glorot, from `--seed`) and whose
 * outgoing weights are zero, so the new units change nothing until training uses them
 * (Net2Net's function-preserving widening, with zeros in place of copies). The result is a
 * model directory that `train --init` continues:
 *   node --import tsx scripts/widen.ts models/mnist-pose runs/wide --encoder 1024
 * It prints the largest difference between the two models' posteriors (means and scales) on 200
 * random images of the model's size (0 up to float rounding).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Command } from 'commander';
import { loadModelDir, saveModelDir } from '../src/io/model-dir.ts';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const o = new Command('widen')
  .argument('<model>', 'the trained model directory')
  .argument('<out>', 'where to write the wider model')
  .requiredOption('--encoder <width>', "each encoder hidden layer's new width", Number)
  .option('--seed <n>', "the new units' initial weights", Number, 7)
  .parse();
const [from, out] = o.args;
const { encoder: width, seed } = o.opts<{ encoder: number; seed: number }>();

await selectBackend();
const trained = await loadModelDir(from);
const old = trained.config;
// An upper bound before allocating: the first kernel alone is pixels × width floats.
const MAX_WIDTH = 8192;
if (!Number.isInteger(width) || old.encoderHidden.some((w) => w > width) || width > MAX_WIDTH) {
  console.error(`widen: --encoder must be a whole number of units from ${Math.max(...old.encoderHidden)} (${from}'s widest encoder layer) to ${MAX_WIDTH}`);
  process.exit(1);
}
const wide = new AffineVAE({ ...old, encoderHidden: old.encoderHidden.map(() => width) }, { seed });

/**
 * The trained `[rows, cols]` kernel inside the wide one's fresh `[rows', cols']`: the trained
 * block in the top left, zeros from the new inputs to the trained units, fresh weights into
 * the new units (whose outputs the next layer's zero rows then ignore).
 */
function embedKernel(trainedKernel: tf.Tensor2D, fresh: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [r, c] = trainedKernel.shape;
    const [r2, c2] = fresh.shape;
    const trainedUnits = tf.concat([trainedKernel, tf.zeros([r2 - r, c])], 0);
    return tf.concat([trainedUnits, tf.slice(fresh, [0, c], [r2, c2 - c])], 1) as tf.Tensor2D;
  });
}

const trainedWeights = trained.namedWeights();
const freshWeights = wide.namedWeights();
const weights: tf.NamedTensorMap = {};
for (const [name, fresh] of Object.entries(freshWeights)) {
  const t = trainedWeights[name];
  if (tf.util.arraysEqual(t.shape, fresh.shape)) weights[name] = t;
  else if (fresh.rank === 2) weights[name] = embedKernel(t as tf.Tensor2D, fresh as tf.Tensor2D);
  else weights[name] = tf.concat([t, tf.zeros([fresh.shape[0] - t.shape[0]])]);
}
wide.setNamedWeights(weights);

const rng = new Rng(seed);
const x = Float32Array.from({ length: 200 * trained.values }, () => rng.uniform());
const [before, after] = [trained.posterior(x), wide.posterior(x)];
let largest = 0;
for (let i = 0; i < before.mean.length; i++) largest = Math.max(largest, Math.abs(before.mean[i] - after.mean[i]), Math.abs(before.scale[i] - after.scale[i]));
await saveModelDir(wide, out, { widenedFrom: from });
console.log(`${out}: encoder ${old.encoderHidden.join('/')} → ${wide.config.encoderHidden.join('/')}, ${trained.parameterCount} → ${wide.parameterCount} parameters; posteriors differ by at most ${largest.toExponential(2)} on 200 random images`);
