import * as tf from '@tensorflow/tfjs-core';
import { SingleBar } from 'cli-progress';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ImageSet, gatherPixels, range, slice, validationSplit } from '../../data/dataset.ts';
import { evaluateSet } from '../../objective/metrics.ts';
import { readCheckpoint, writeCheckpoint } from '../../io/checkpoint.ts';
import { UserError, removeStaleTempFiles, writeFileAtomic } from '../../io/files.ts';
import { hasTestPart, loadDataset, requireChannels } from '../../io/datasets.ts';
import { loadModelDir, saveModelDir } from '../../io/model-dir.ts';
import { warpFamily, warpFamilyNames } from '../../model/warps/registry.ts';
import { type ConfigOverrides, type ModelConfig, PRESETS, type ScheduleKind, type TrainConfig, applyOverrides, architectureDifferences, buildModelConfig, channelsOf, DEFAULT_CONSISTENCY_RADIUS, DEFAULT_SEARCH_PIXELS, poolTurnsOf } from '../../model/config.ts';
import type { AffineVAE } from '../../model/vae.ts';
import { Rng } from '../../model/rng.ts';
import { recipe } from '../../train/recipes.ts';
import { type EpochRecord, type StepReport, Trainer, type TrainerSnapshot } from '../../train/trainer.ts';
import type { CommandContext } from '../context.ts';

/** Options of `affine-vae train`. */
export interface TrainCommandOptions extends ConfigOverrides {
  preset: string;
  out: string;
  resume?: boolean;
  /** Replace a model already in `out` (one without a checkpoint). */
  force?: boolean;
  /** The options given on the command line (commander's names), as against defaults. */
  given?: string[];
  epochs?: number;
  batch?: number;
  limit?: number;
  seed?: number;
  validationSplit?: number;
  learningRate?: number;
  microBatch?: number;
  dataset: string;
  size?: number;
  klWarmup?: number;
  rotationAugment?: number;
  searchPixels?: number;
  angleSearch?: number;
  pixels?: number;
  /** How to train (`fast` unless given; see `train/recipes.ts`). */
  recipe?: string;
  /** A time budget for the whole command, in minutes. */
  minutes?: number;
  schedule?: ScheduleKind;
  warmupSteps?: number;
  /** A trained model directory whose weights the run starts from. */
  init?: string;
}

/**
 * The options typed with `--resume` that differ from the run in the checkpoint (only `--epochs`,
 * `--micro-batch` and the engine may change: they do not change what is computed per step).
 */
function resumeContradictions(o: TrainCommandOptions, ckpt: ReturnType<typeof readCheckpoint>): string[] {
  const m = ckpt.model;
  const t = ckpt.train;
  const widths = [...m.encoderHidden, ...m.decoderHidden, ...m.predictorHidden];
  const run: Record<string, [string, unknown, unknown]> = {
    preset: ['--preset', o.preset, m.preset],
    hidden: ['--hidden', o.hidden, widths.every((w) => w === o.hidden) ? o.hidden : widths.join('/')],
    contentDims: ['--content-dims', o.contentDims, m.contentDims],
    ceWeight: ['--ce-weight', o.crossEntropy, m.loss.crossEntropy],
    mseWeight: ['--mse-weight', o.mse, m.loss.mse],
    klWeight: ['--kl-weight', o.kl, m.loss.kl],
    klWarp: ['--kl-warp', o.klWarp, m.loss.klWarp ?? m.loss.kl],
    klScaling: ['--kl-scaling', o.klScaling, m.loss.klScaling],
    likelihood: ['--likelihood', o.likelihood, m.loss.likelihood],
    sigma: ['--sigma', o.sigma, m.loss.sigma],
    predictorInput: ['--predictor-input', o.predictorInput, m.predictorInput],
    warpScale: ['--warp-scale', o.warpScale, m.warpScale],
    rotationPrior: ['--rotation-prior', o.rotationPrior, m.priors.rotation],
    translationPrior: ['--translation-prior', o.translationPrior, m.priors.translation],
    batch: ['--batch', o.batch, t.batch],
    seed: ['--seed', o.seed, t.seed],
    validationSplit: ['--validation-split', o.validationSplit, t.validationSplit],
    learningRate: ['--learning-rate', o.learningRate, t.learningRate],
    klWarmup: ['--kl-warmup', o.klWarmup, t.klWarmup ?? 0],
    rotationAugment: ['--rotation-augment', o.rotationAugment, t.rotationAugment ?? 0],
    angleSearch: ['--angle-search', o.angleSearch, m.angleSearch ?? 0],
    searchPixels: ['--search-pixels', o.searchPixels, t.searchPixels ?? DEFAULT_SEARCH_PIXELS],
    poolContent: ['--pool-content', o.poolContent, m.poolContent ?? false],
    poolTurns: ['--pool-turns', o.poolTurns, poolTurnsOf(m) || undefined],
    mixture: ['--mixture', o.mixture, m.mixture ?? 0],
    clusterWeight: ['--cluster-weight', o.cluster, m.loss.cluster ?? 0],
    clusterBalance: ['--cluster-balance', o.clusterBalance, m.loss.clusterBalance ?? 1],
    consistencyWeight: ['--consistency-weight', o.consistency, m.loss.consistency ?? 0],
    consistencyRadius: ['--consistency-radius', o.consistencyRadius, m.loss.consistencyRadius ?? DEFAULT_CONSISTENCY_RADIUS],
    momentAlign: ['--moment-align', o.momentAlign, m.momentAlign ?? false],
    alignFrame: ['--align-frame', o.alignFrame, m.alignFrame ?? 'ink'],
    pixels: ['--pixels', o.pixels, t.pixels ?? 0],
    recipe: ['--recipe', o.recipe, ckpt.extra.recipe ?? 'seed'],
    minutes: ['--minutes', o.minutes, t.minutes],
    schedule: ['--schedule', o.schedule, t.schedule ?? 'constant'],
    warmupSteps: ['--warmup-steps', o.warmupSteps, t.warmupSteps ?? 0],
    init: ['--init', o.init, ckpt.extra.init],
    dataset: ['--dataset', o.dataset, ckpt.extra.dataset ?? 'mnist'],
    limit: ['--limit', o.limit, ckpt.extra.limit],
    size: ['--size', o.size, ckpt.extra.size ?? 28],
    channels: ['--channels', o.channels, m.channels ?? 1],
  };
  return (o.given ?? [])
    .filter((k) => k in run && run[k][1] !== run[k][2])
    .map((k) => `${run[k][0]} ${run[k][1]} contradicts the checkpoint's ${run[k][2] ?? 'none'}`);
}

/** Training images whose content places a mixture prior's components at the start. */
const PRIOR_FIT_IMAGES = 5000;

/** The epochs of a time-budget run unless typed: a bound only, the budget ends it. */
const BUDGET_EPOCH_BOUND = 1000;

/** The files of a training output directory. */
export function runFiles(out: string) {
  return { checkpoint: join(out, 'checkpoint.ckpt'), history: join(out, 'training-log.json') };
}

/** `affine-vae train`: train on MNIST with checkpoints, resumable, Ctrl-C safe. */
export async function trainCommand(o: TrainCommandOptions, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  const files = runFiles(o.out);
  let modelConfig: ModelConfig;
  let trainConfig: TrainConfig;
  let limit = o.limit;
  let dataset = o.dataset;
  let size = o.size;
  let snapshot: TrainerSnapshot | null = null;
  let init: AffineVAE | null = null;
  let extra: Record<string, unknown>;
  const recipeName = o.recipe ?? 'fast';
  if (o.resume) {
    const ckpt = readCheckpoint(files.checkpoint);
    modelConfig = ckpt.model;
    // Only the schedule's length may change on resume; everything else comes from the run.
    trainConfig = { ...ckpt.train, epochs: o.epochs ?? ckpt.train.epochs };
    limit = ckpt.extra.limit as number | undefined;
    dataset = (ckpt.extra.dataset as string | undefined) ?? 'mnist';
    size = ckpt.extra.size as number | undefined;
    extra = ckpt.extra;
    snapshot = ckpt.snapshot;
    const contradictions = resumeContradictions(o, ckpt);
    if (contradictions.length) {
      tf.dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer)]);
      throw new UserError(`--resume continues the run in ${o.out} as it was started: ${contradictions.join('; ')} (drop them, or train into another --out)`);
    }
    log(`resuming ${o.out} at epoch ${ckpt.state.epoch + 1}, step ${ckpt.state.step}`);
  } else {
    if (existsSync(files.checkpoint)) {
      throw new UserError(`${o.out} already holds a training run: pass --resume to continue it, or choose another --out`);
    }
    if (existsSync(join(o.out, 'model.json')) && !o.force) {
      throw new UserError(`${o.out} already holds a model: pass --force to replace it, or choose another --out`);
    }
    let r;
    try {
      r = recipe(recipeName);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
    const typed: ConfigOverrides = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    if (o.init) {
      init = await loadModelDir(o.init, { engine: ctx.engine.engine, warn: () => {} });
      // The architecture is the trained model's; a typed preset must be its preset.
      if (o.given?.includes('preset') && o.preset !== init.config.preset) {
        init.dispose();
        throw new UserError(`--init ${o.init} is a ${init.config.preset} model, not ${o.preset}: drop --preset, or train from scratch`);
      }
      modelConfig = applyOverrides(init.config, typed);
      const differences = architectureDifferences(init.config, modelConfig);
      if (differences.length) {
        init.dispose();
        throw new UserError(`--init ${o.init}: its architecture differs from this run's (${differences.join('; ')}); drop the options that change it, or train from scratch`);
      }
    } else {
      modelConfig = buildModelConfig(o.preset, { ...r.model, ...typed });
    }
    const { minutes: recipeMinutes, ...base } = { ...PRESETS[o.preset].train, ...r.train };
    // A typed --epochs asks for a length in epochs: the recipe's time budget gives way.
    const minutes = o.minutes ?? (o.epochs !== undefined ? undefined : recipeMinutes);
    trainConfig = {
      ...base,
      // Under a time budget the epochs are only a bound.
      epochs: o.epochs ?? (minutes !== undefined ? BUDGET_EPOCH_BOUND : base.epochs),
      batch: o.batch ?? base.batch,
      seed: o.seed ?? base.seed,
      validationSplit: o.validationSplit ?? base.validationSplit,
      learningRate: o.learningRate ?? base.learningRate,
      klWarmup: o.klWarmup ?? base.klWarmup ?? 0,
      rotationAugment: o.rotationAugment ?? base.rotationAugment ?? 0,
      pixels: o.pixels ?? base.pixels ?? 0,
      ...(o.searchPixels !== undefined ? { searchPixels: o.searchPixels } : {}),
      schedule: o.schedule ?? base.schedule ?? 'constant',
      warmupSteps: o.warmupSteps ?? base.warmupSteps ?? 0,
      ...(minutes !== undefined ? { minutes } : {}),
    };
    extra = { limit, dataset, size, recipe: recipeName, init: o.init };
    log(`recipe ${recipeName}: ${r.description}${o.init ? `; starting from ${o.init}` : ''}`);
    if ((trainConfig.rotationAugment! > 0 || (modelConfig.angleSearch ?? 0) > 0 || modelConfig.momentAlign) && warpFamily(modelConfig.warp).angle === null) {
      const withAngle = warpFamilyNames().filter((name) => warpFamily(name).angle !== null);
      throw new UserError(`--rotation-augment, --angle-search and --moment-align need a warp with an angle latent (--preset ${withAngle.join(' or ')}), not ${modelConfig.warp}`);
    }
  }
  mkdirSync(o.out, { recursive: true });
  // Temporary files of a write that was killed (they are never read).
  for (const name of removeStaleTempFiles(o.out)) log(`removed ${join(o.out, name)}, left by a killed run`);

  const { warn, maxImagePixels } = ctx;
  // dir: folders are read in the channels asked for (a resumed or fine-tuned model's own).
  const asked = o.resume || init ? channelsOf(modelConfig) : o.channels;
  let data: ImageSet = loadDataset(dataset, 'train', { size, warn, maxImagePixels, channels: asked });
  if (limit !== undefined) data = slice(data, 0, limit);
  if (!o.resume && !init) {
    // A new model takes the data's size, and its channels unless --channels set them (grey data
    // leaves the field absent, as in the seed preset).
    const channels = o.channels === undefined && data.channels ? { channels: data.channels } : {};
    modelConfig = { ...modelConfig, height: data.height, width: data.width, ...channels };
  }
  requireChannels(data, channelsOf(modelConfig), dataset, o.resume || init ? 'model' : 'option');
  if (!o.resume && modelConfig.loss.crossEntropy > 0 && !o.given?.includes('ceWeight') && new Set(data.labels ?? []).size < 2) {
    // A classifier of one class learns nothing but pulls on the latents.
    modelConfig = { ...modelConfig, loss: { ...modelConfig.loss, crossEntropy: 0 } };
    log(`${dataset} has no class labels (one class): the classifier's loss is off (--ce-weight sets it)`);
  }
  if (data.height !== modelConfig.height || data.width !== modelConfig.width) {
    throw new UserError(`${dataset} holds ${data.height}×${data.width} images, the model takes ${modelConfig.height}×${modelConfig.width}`);
  }
  const split = validationSplit(data, trainConfig.validationSplit);
  const model = ctx.newModel(modelConfig, trainConfig.seed);
  // A new mixture prior, or one of another size than the init model's, is placed on the content.
  let placePrior = model.prior !== null && !snapshot;
  if (init) {
    const keepPrior = init.config.mixture === model.config.mixture;
    const weights = Object.entries(init.namedWeights()).filter(([name]) => keepPrior || !name.startsWith('prior/'));
    model.setNamedWeights({ ...model.namedWeights(), ...Object.fromEntries(weights) });
    placePrior &&= !keepPrior;
    init.dispose();
  }
  if (model.prior && placePrior) {
    const n = Math.min(split.train.n, PRIOR_FIT_IMAGES);
    model.fitPrior(gatherPixels(split.train, range(0, n)), new Rng(trainConfig.seed));
    log(`mixture prior: ${model.prior.components} components placed by k-means on the content of ${n} training images`);
  }
  // Sources without a test part (idx:, dir:) are judged on their validation split.
  const test = hasTestPart(dataset) ? loadDataset(dataset, 'test', { size, warn, maxImagePixels, channels: channelsOf(modelConfig) }) : split.validation;
  const evalSet = limit !== undefined ? slice(test, 0, Math.min(test.n, limit)) : test;
  // A time budget counts from the start of the process, so that it is the whole command's.
  const budget = trainConfig.minutes !== undefined ? { endsAt: trainConfig.minutes * 60e3, finalImages: evalSet.n } : undefined;
  const trainer = new Trainer(model, split, trainConfig, { microBatch: o.microBatch, budget });
  if (snapshot) {
    trainer.restore(snapshot);
    tf.dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer)]);
  }
  log(
    `training ${modelConfig.preset}: ${model.parameterCount.toLocaleString('en')} parameters, ` +
      `${split.train.n} training / ${split.validation.n} validation images, batch ${trainConfig.batch}, ` +
      `${trainConfig.minutes !== undefined ? `${trainConfig.minutes} minutes` : `${trainConfig.epochs} epochs`}, chunks of ${trainer.microBatch}`,
  );
  // The recipe's line names its own weights; this one is the run's, as typed options set them.
  const ce = modelConfig.loss.crossEntropy;
  log(`loss: KL weight ${modelConfig.loss.kl}${modelConfig.loss.klWarp !== undefined ? ` (warp ${modelConfig.loss.klWarp})` : ''}${modelConfig.loss.cluster !== undefined ? `, clustering weight ${modelConfig.loss.cluster}${modelConfig.loss.clusterBalance !== undefined ? ` (evenness ×${modelConfig.loss.clusterBalance})` : ''}` : ''}${modelConfig.loss.consistency !== undefined ? `, consistency weight ${modelConfig.loss.consistency} at radius ${modelConfig.loss.consistencyRadius ?? DEFAULT_CONSISTENCY_RADIUS}` : ''}, ${ce > 0 ? `cross-entropy weight ${ce}: the labels train the classifier` : 'cross-entropy weight 0: no labels used'}`);

  const header = { model: modelConfig, train: trainConfig, extra };
  const metadata = () => ({ train: trainConfig, dataset, limit, history: trainer.state.history });
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit without saving)…\n');
  };
  process.on('SIGINT', onSigint);

  const bar = new SingleBar({
    format: 'epoch {epoch} |{bar}| {value}/{total} | loss {loss} mse {mse} kl {kl} ce {ce} acc {acc} | lr {lr} | {rate} img/s | {left}',
    hideCursor: false,
    clearOnComplete: true,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 10000,
  });
  let barEpoch = -1;
  try {
    const result = await trainer.run({
      onStep: (r) => {
        const fields = {
          epoch: `${r.epoch + 1}/${trainer.totalEpochs ?? '?'}`,
          lr: r.learningRate.toExponential(1),
          left: timeLeft(r, trainer.config.batch),
          loss: r.metrics.loss.toFixed(4),
          mse: r.metrics.mse.toFixed(4),
          kl: r.metrics.kl.toExponential(2),
          ce: r.metrics.crossEntropy.toFixed(3),
          acc: r.metrics.accuracy.toFixed(3),
          rate: r.imagesPerSecond.toFixed(1),
        };
        if (barEpoch !== r.epoch) {
          bar.start(r.steps, r.step, fields);
          barEpoch = r.epoch;
        } else bar.update(r.step, fields);
      },
      onEpoch: async (record: EpochRecord, snap: TrainerSnapshot) => {
        bar.stop();
        barEpoch = -1;
        log(describeEpoch(record, trainer.totalEpochs));
        await writeCheckpoint(files.checkpoint, header, snap);
        await saveModelDir(model, o.out, metadata());
        writeFileAtomic(files.history, JSON.stringify(trainer.state.history, null, 1));
      },
      shouldStop: () => stopRequested,
      onStop: async (snap: TrainerSnapshot) => {
        bar.stop();
        await writeCheckpoint(files.checkpoint, header, snap);
        log(`saved ${files.checkpoint} at epoch ${snap.state.epoch + 1}, step ${snap.state.step}; continue with --resume`);
      },
    });
    if (result.stopped) return 130;
    if (trainer.cutShort > 0) {
      warn(`the time budget ran out ${trainer.cutShort} steps before the planned end: steps ran slower than measured at the start (was the machine busy?)`);
    }
    if (!existsSync(join(o.out, 'model.json'))) await saveModelDir(model, o.out, metadata());
    log(`evaluating on ${evalSet.n} ${hasTestPart(dataset) ? 'test' : 'validation'} images…`);
    const metrics = evaluateSet(model, evalSet, trainConfig.batch, trainConfig.seed, trainer.microBatch);
    log(`test: mse ${metrics.mse.toFixed(5)} kl ${metrics.klNats.toFixed(3)} nats ce ${metrics.crossEntropy.toFixed(4)} accuracy ${metrics.accuracy.toFixed(4)}`);
    await saveModelDir(model, o.out, { ...metadata(), test: metrics });
    if (budget) log(`done in ${(performance.now() / 60e3).toFixed(2)} of ${trainConfig.minutes} minutes`);
    return 0;
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
    trainer.dispose();
    model.dispose();
  }
}

/** The time-budget's seconds left, or the run's remaining time at the current rate. */
function timeLeft(r: StepReport, batch: number): string {
  const mmss = (s: number) => `${Math.floor(Math.max(0, s) / 60)}:${String(Math.floor(Math.max(0, s) % 60)).padStart(2, '0')}`;
  if (r.secondsLeft !== null) return `${mmss(r.secondsLeft)} left`;
  if (r.totalSteps === null || r.imagesPerSecond <= 0) return 'eta ?';
  return `eta ${mmss(((r.totalSteps - r.globalStep) * batch) / r.imagesPerSecond)}`;
}

function describeEpoch(r: EpochRecord, epochs: number | null): string {
  const v = r.validation;
  const val = v ? ` | val mse ${v.mse.toFixed(5)} kl ${v.klNats.toFixed(2)} nats ce ${v.crossEntropy.toFixed(4)} acc ${v.accuracy.toFixed(4)}` : '';
  return `epoch ${r.epoch}/${epochs ?? '?'}: loss ${r.train.loss.toFixed(5)} mse ${r.train.mse.toFixed(5)} acc ${r.train.accuracy.toFixed(4)}${val} | ${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(1)} img/s`;
}
