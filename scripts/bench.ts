/**
 * Throughput benchmark: a whole training step (encoder, decoder, predictor, loss, Adam) and
 * forward-only decoding, on real MNIST, with the FLOP rate against this machine's FMA peak.
 *
 *   npm run bench -- --preset seed --batch 1000 --steps 5 --json bench.json
 */
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cpus } from 'node:os';
import { type ImageSet, range, slice, validationSplit } from '../src/data/dataset.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { DEFAULT_CONSISTENCY_RADIUS, PRESETS, buildModelConfig, type ModelConfig, poolTurnsOf } from '../src/model/config.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { defaultThreads, loadNativeAddon } from '../src/native/addon.ts';
import type { NativeEngine } from '../src/native/engine.ts';
import { chooseEngine } from '../src/native/select.ts';
import { toUnit } from '../src/data/pixels.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { registerGradients } from '../src/train/gradients.ts';
import { Trainer } from '../src/train/trainer.ts';
import * as tf from '@tensorflow/tfjs-core';

registerGradients();

const program = new Command('bench')
  .option('--preset <name>', 'model preset', 'seed')
  .option('--batch <n>', 'batch size', Number, 1000)
  .option('--steps <n>', 'timed training steps after one warm-up', Number, 5)
  .option('--hidden <n>', 'override every hidden width', Number)
  .option('--pixels <n>', 'decode and score this many random pixels per training step (0: all)', Number, 0)
  .option('--dataset <spec>', 'the images (any --dataset spec of train; the model takes their size)', 'mnist')
  .option('--angle-search <k>', 'the angle search over k turns (rotation presets; 0: off)', Number, 0)
  .option('--search-pixels <n>', 'pixels a training step\'s angle search compares on (default 64)', Number)
  .option('--pool-content', 'content pooled over quarter turns (rotation presets)')
  .option('--pool-turns <k>', 'with --pool-content, pool over 4 quarter turns or 2 half turns', Number)
  .option('--moment-align', "the encoder reads images turned and centred by their ink's moments (rotation presets)")
  .option('--align-frame <frame>', 'the frame of --moment-align: ink or axis')
  .option('--mixture <k>', 'a mixture of k Gaussians as the content prior', Number, 0)
  .option('--cluster-weight <w>', 'with --mixture, the weight of the clustering term', Number, 0)
  .option('--consistency-weight <w>', 'with --mixture, the weight of the consistency term (VAT)', Number, 0)
  .addOption(new Option('--engine <name>').choices(['native', 'tfjs']))
  .option('--model <dir>', "bench a trained model's weights and config (its size: give --dataset of the same size)")
  .option('--threads <n>', 'native threads', Number, defaultThreads())
  .option('--json <file>', 'also write the figures as JSON')
  .parse();
const o = program.opts();

/** FLOPs of one image's forward pass (multiply-adds count 2). */
function forwardFlops(c: ModelConfig): { decoder: number; rest: number } {
  const P = c.height * c.width;
  const C = c.channels ?? 1;
  const [h1, h2] = c.decoderHidden;
  const L = c.contentDims + c.warpDims;
  const decoder = 2 * P * (2 * h1 + h1 * h2 + h2 * C) + 2 * c.contentDims * h1;
  const enc = [P * C, ...c.encoderHidden];
  let rest = 0;
  for (let i = 0; i + 1 < enc.length; i++) rest += 2 * enc[i] * enc[i + 1];
  rest += 2 * 2 * enc.at(-1)! * L;
  const pred = [c.predictorInput === 'seed' ? L - 1 : c.contentDims, ...c.predictorHidden, c.classes];
  for (let i = 0; i + 1 < pred.length; i++) rest += 2 * pred[i] * pred[i + 1];
  return { decoder, rest };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const backend = await selectBackend();
const engine = chooseEngine(o.engine, o.threads);
const images = loadDataset(o.dataset, 'train');
/** One line and exit 2: a thrown error at the top level would print a line of the wasm module's source. */
function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}
// The shape flags given (a value of 0 or false is none): buildModelConfig's name for each, then the option's.
const shape = { hidden: 'hidden', angleSearch: 'angleSearch', poolContent: 'poolContent', poolTurns: 'poolTurns', momentAlign: 'momentAlign', alignFrame: 'alignFrame', mixture: 'mixture', cluster: 'clusterWeight', consistency: 'consistencyWeight' };
const given = Object.entries(shape).filter(([, option]) => o[option]);
const overrides = Object.fromEntries(given.map(([key, option]) => [key, o[option]]));
const flagOf = (option: string) => program.options.find((opt) => opt.attributeName() === option)!.long;
if (o.model && given.length) fail(`--model benches the model as it was trained; leave out ${given.map(([, option]) => flagOf(option)).join(', ')}`);
// A trained model's weights run slower than fresh ones (fewer relu zeros to skip, and values
// small enough to be subnormal), so `--model` benches what a long run actually trains.
const model = o.model
  ? await loadModelDir(o.model, { engine: engine.engine }).catch((err: Error) => fail(err.message))
  : new AffineVAE({ ...buildModelConfig(o.preset, overrides), height: images.height, width: images.width, ...(images.channels ? { channels: images.channels } : {}) }, { seed: 1, engine: engine.engine });
const config = model.config;
if (o.model && (config.height !== images.height || config.width !== images.width || (config.channels ?? 1) !== (images.channels ?? 1))) {
  fail(`${o.model}: the model draws ${config.height}×${config.width}×${config.channels ?? 1}, ${o.dataset} is ${images.height}×${images.width}×${images.channels ?? 1}`);
}
// Copies of the batch's images only: the peak RSS is that of training at this batch size,
// not of holding all 60,000 MNIST training images (47 MiB more, as `affine-vae train` does).
const ownCopy = (set: ImageSet): ImageSet => ({ ...set, images: set.images.slice(), labels: set.labels?.slice() });
const data = validationSplit(ownCopy(slice(images, 0, o.batch)), 0);
const trainer = new Trainer(model, data, { ...PRESETS[o.model ? config.preset : o.preset].train, batch: o.batch, pixels: o.pixels, ...(o.searchPixels ? { searchPixels: o.searchPixels } : {}) });
const idx = range(0, o.batch);
const pooled = poolTurnsOf(config);
const nativeLabel = engine.native ? ` (${engine.native.kernel}, ${engine.native.source})` : '';
const described = [
  o.hidden ? ` (hidden ${o.hidden})` : '',
  `, ${o.dataset} ${images.height}×${images.width}×${model.channels}, batch ${o.batch}`,
  o.pixels ? `, ${o.pixels} pixels a step` : '',
  config.angleSearch ? `, angle search over ${config.angleSearch}` : '',
  pooled ? `, content pooled over ${pooled === 2 ? 'half' : 'quarter'} turns` : '',
  config.momentAlign ? `, moment alignment (${config.alignFrame ?? 'ink'} frame)` : '',
  config.mixture ? `, a mixture of ${config.mixture}` : '',
  config.loss.cluster ? `, clustering weight ${config.loss.cluster}` : '',
  config.loss.consistency ? `, consistency weight ${config.loss.consistency} at radius ${config.loss.consistencyRadius ?? DEFAULT_CONSISTENCY_RADIUS}` : '',
].join('');
console.error(`bench: ${o.model ? `model ${o.model}` : o.preset}${described}, backend ${backend.name}, engine ${engine.name}${nativeLabel}, ${engine.threads} thread(s)`);

// The native engine counts the multiply-adds its products execute (relu zeros are skipped).
const counters = (model.engine as Partial<NativeEngine>).work;
const work = () => ({ macs: counters?.macs ?? 0, dense: counters?.denseMacs ?? 0 });
const stepSeconds: number[] = [];
let trainWork = work();
for (let s = 0; s <= o.steps; s++) {
  if (s === 1) trainWork = work();
  const t0 = performance.now();
  trainer.trainStep(data.train, idx);
  const dt = (performance.now() - t0) / 1000;
  if (s > 0) stepSeconds.push(dt);
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.error(`  step ${s}${s === 0 ? ' (warm-up)' : ''}: ${dt.toFixed(2)} s, ${(o.batch / dt).toFixed(1)} img/s, rss ${rss.toFixed(0)} MiB`);
}
// Peak memory of the training steps (maxRSS only grows, so read it before anything else runs).
const trainPeakRss = process.resourceUsage().maxRSS / 1024;
const afterTraining = work();
const trainMacs = { macs: afterTraining.macs - trainWork.macs, dense: afterTraining.dense - trainWork.dense };
const pixels = new Float32Array(o.batch * model.values);
toUnit(data.train.images.subarray(0, pixels.length), pixels);
model.normalize(pixels.subarray(0, 10 * model.values)); // warm-up
const decodeSeconds: number[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  model.normalize(pixels, { chunk: 200 });
  decodeSeconds.push((performance.now() - t0) / 1000);
}

const workPeakRss = process.resourceUsage().maxRSS / 1024;
const afterDecoding = work();
const decodeMacs = { macs: afterDecoding.macs - afterTraining.macs, dense: afterDecoding.dense - afterTraining.dense };
const executed = (w: { macs: number; dense: number }) => (w.dense > 0 ? w.macs / w.dense : 1);
console.error(`  decode: ${(o.batch / median(decodeSeconds)).toFixed(1)} img/s, peak rss of training and decoding ${workPeakRss.toFixed(0)} MiB`);
// Last, a diagnostic that is neither training nor decoding, so that its memory (it pushed the
// peak 30–40 MiB above the training steps' here) is reported apart: the decoder alone on the
// same batch, one fused forward+backward call of the native engine (or TF.js autograd of the
// squared error), to show what the rest of the step costs.
const decoderSeconds: number[] = [];
{
  const x = tf.tensor2d(toUnit(data.train.images.subarray(0, o.batch * model.values)), [o.batch, model.values]);
  const z = model.encode(x).mean;
  const { content, warp } = model.split(z);
  const affine = model.affineOf(warp);
  const engineImpl = model.engine;
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    for (let c = 0; c < o.batch; c += trainer.microBatch) {
      const n = Math.min(trainer.microBatch, o.batch - c);
      const sl = (t: tf.Tensor2D) => tf.slice(t, [c, 0], [n, t.shape[1]]);
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => engineImpl.imageLoss(model.decoder, sl(content), sl(affine), model.grid, sl(x), 'sse', true).loss,
          model.decoder.hidden.flatMap((d) => d.variables),
        );
        Object.values(grads).forEach((g) => g.dataSync());
      });
    }
    decoderSeconds.push((performance.now() - t0) / 1000);
  }
  tf.dispose([x, z, content, warp, affine]);
}
console.error(`  decoder alone (forward + backward): ${(o.batch / median(decoderSeconds)).toFixed(1)} img/s`);

const { addon } = loadNativeAddon();
const peak = addon ? addon.fmaPeak(engine.threads, 3e8) : null;
const flops = forwardFlops(config);
console.error(`  FMA probe: ${peak?.toFixed(1)} GFLOP/s, peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
console.error(`  products executed: ${(100 * executed(trainMacs)).toFixed(1)}% of dense in training, ${(100 * executed(decodeMacs)).toFixed(1)}% in decoding`);
// With pixel subsampling the decoder runs on that share of the grid.
const pixelShare = o.pixels > 0 && o.pixels < model.pixels ? o.pixels / model.pixels : 1;
const trainFlopsPerImage = 3 * (flops.decoder * pixelShare + flops.rest);
const train = o.batch / median(stepSeconds);
const gflops = (train * trainFlopsPerImage) / 1e9;
// What the CPU actually did: the skipped multiply-adds (2 FLOPs each) taken off the model's count.
const skippedFlopsPerImage = (2 * (trainMacs.dense - trainMacs.macs)) / (o.steps * o.batch);
const executedGflops = (train * (trainFlopsPerImage - skippedFlopsPerImage)) / 1e9;
const result = {
  preset: o.model ? config.preset : o.preset,
  model: o.model ?? null,
  dataset: o.dataset,
  size: [config.height, config.width],
  channels: model.channels,
  angleSearch: config.angleSearch ?? 0,
  poolContent: Boolean(config.poolContent),
  poolTurns: pooled || null,
  momentAlign: Boolean(config.momentAlign),
  mixture: config.mixture ?? 0,
  searchPixels: o.searchPixels ?? null,
  hidden: config.decoderHidden,
  batch: o.batch,
  pixels: o.pixels || model.pixels,
  steps: o.steps,
  backend: backend.name,
  engine: engine.name,
  // The native binary: its compiled variant (avx2 | generic) and whether it is the prebuilt one
  // (PREBUILDS_ONLY=1 makes node-gyp-build skip build/Release).
  native_kernel: engine.native?.kernel ?? null,
  native_binary: engine.native?.source ?? null,
  threads: engine.threads,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  train_images_per_s: train,
  train_step_s: median(stepSeconds),
  decoder_step_s: median(decoderSeconds),
  non_decoder_fraction: 1 - median(decoderSeconds) / median(stepSeconds),
  decode_images_per_s: o.batch / median(decodeSeconds),
  peak_rss_mib: workPeakRss,
  train_peak_rss_mib: trainPeakRss,
  peak_rss_with_diagnostic_mib: process.resourceUsage().maxRSS / 1024,
  train_gflop_per_image: trainFlopsPerImage / 1e9,
  decoder_flop_share: flops.decoder / (flops.decoder + flops.rest),
  gflops,
  fma_peak_gflops: peak,
  peak_fraction: peak ? gflops / peak : null,
  train_products_executed: executed(trainMacs),
  decode_products_executed: executed(decodeMacs),
  executed_gflops: executedGflops,
  executed_peak_fraction: peak ? executedGflops / peak : null,
};
console.log(JSON.stringify(result, null, 2));
if (o.json) {
  mkdirSync(dirname(resolve(o.json)), { recursive: true });
  writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
}
trainer.dispose();
model.dispose();
