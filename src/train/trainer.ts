import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CONSISTENCY_RADIUS, DEFAULT_SEARCH_PIXELS, type TrainConfig } from '../model/config.ts';
import { type ImageSet, type Split, gatherLabels, gatherPixels, slice } from '../data/dataset.ts';
import { MetricSums, type Metrics, evaluateSet } from '../objective/metrics.ts';
import { objective } from '../objective/objective.ts';
import { adversarialPerturbation } from '../objective/consistency.ts';
import { Rng, type RngState } from '../model/rng.ts';
import type { AffineVAE } from '../model/vae.ts';
import { Adam } from './adam.ts';
import { learningRateFactor, planSteps } from './schedule.ts';

/**
 * A time-budget run warms up over at least this many steps, and measures at least this many
 * before it plans its length. The first few are left out of the timing (they include TF.js' and
 * the engine's first-call costs).
 */
export const CALIBRATION_STEPS = 50;
const UNTIMED_STEPS = 10;
/**
 * The share of its budget a time-budget run trains at full rate, measuring, before it plans.
 * Step times wander by ±10% from epoch to epoch on a 2-core machine; a quarter of the budget
 * averages over a few epochs (planned at a tenth, two of three 5-minute runs ended 35–40 s early).
 */
export const PLAN_AFTER = 0.25;

/** One epoch's record in the training history. */
export interface EpochRecord {
  epoch: number;
  train: Metrics;
  validation: Metrics | null;
  seconds: number;
  imagesPerSecond: number;
  /** Training images seen in the epoch (fewer than the set where a time budget ended the run). */
  images?: number;
}

/** Where training stands: enough to continue a run exactly where it stopped. */
export interface TrainerState {
  /** The epoch in progress (0-based); equals `epochs` when done. */
  epoch: number;
  /** The next step within the epoch. */
  step: number;
  /** The shuffle generator's state before this epoch's permutation was drawn. */
  shuffleAtEpochStart: RngState;
  /** The sampling generator's state now. */
  noise: RngState;
  /** Adam's step count. */
  optimizerStep: number;
  /** The running sums of the epoch in progress. */
  epochSums: ReturnType<MetricSums['toJSON']>;
  /** Seconds spent in the epoch in progress before a stop. */
  epochSeconds: number;
  history: EpochRecord[];
  /**
   * The run's length in steps, as a time budget planned it (`null`: not planned, or the run is
   * as long as its `epochs`). Kept so that a resumed run ends, and decays, where it would have.
   */
  plannedSteps?: number | null;
  /** The step at which a time-budget run made its plan: its cosine decay starts there. */
  decayFrom?: number | null;
}

/** A checkpoint in memory: what {@link Trainer.snapshot} returns and {@link Trainer.restore} takes. */
export interface TrainerSnapshot {
  state: TrainerState;
  weights: tf.NamedTensorMap;
  optimizer: tf.NamedTensorMap;
}

/** Live figures for a progress display, after each step. */
export interface StepReport {
  epoch: number;
  step: number;
  steps: number;
  /** Running averages over the epoch so far. */
  metrics: Metrics;
  imagesPerSecond: number;
  /** The learning rate of this step, after the schedule. */
  learningRate: number;
  /** Steps taken and the run's planned length (`null` until a time budget has planned it). */
  globalStep: number;
  totalSteps: number | null;
  /** Seconds left of the time budget, or `null` without one. */
  secondsLeft: number | null;
}

/** Callbacks of {@link Trainer.run}. */
export interface RunHooks {
  onStep?: (report: StepReport) => void;
  /** After each epoch's validation, with the checkpoint to write. */
  onEpoch?: (record: EpochRecord, snapshot: TrainerSnapshot) => Promise<void> | void;
  /** Polled after every step; when true the run stops and `onStop` receives a checkpoint. */
  shouldStop?: () => boolean;
  onStop?: (snapshot: TrainerSnapshot) => Promise<void> | void;
}

/** Training options beyond the schedule. */
export interface TrainerOptions {
  /**
   * Images per forward/backward chunk. A batch is split into chunks whose gradients add up to the
   * batch's exactly, so memory is bounded whatever the batch size. Default: the decoder engine's
   * preference, else about 256 MB of TF.js decoder activations per chunk.
   */
  microBatch?: number;
  /**
   * A time budget (where the config sets `minutes`): the loop plans its length so that it, its
   * validations and an evaluation of `finalImages` images after it end by `endsAt`
   * (a `performance.now()` time, in ms).
   */
  budget?: { endsAt: number; finalImages: number };
}

/**
 * Training blew up (a NaN or an infinite loss, metric or weight). It is raised before the epoch's
 * hooks run, so nothing of the broken state is saved: the last checkpoint and model stay.
 */
export class TrainingDivergedError extends Error {
  constructor(what: string) {
    super(`training diverged: ${what}; nothing of it was saved (lower --learning-rate or the loss weights)`);
    this.name = 'TrainingDivergedError';
  }
}

/**
 * The training loop: shuffle each epoch, one latent sample per image, Adam on the summed loss,
 * validation after each epoch. A custom loop, because the KL term depends on the batch size.
 */
export class Trainer {
  readonly optimizer: Adam;
  readonly microBatch: number;
  readonly budget: { endsAt: number; finalImages: number } | null;
  /**
   * Steps a time-budget run dropped because its steps took longer than planned (the machine
   * slowed down): the budget is a bound, so the run ends when the time its plan needs is gone.
   */
  cutShort = 0;
  /** When the loop must end to leave time for a last validation and the final evaluation (ms). */
  private lastStepBy = Infinity;
  private shuffle: Rng;
  private noise: Rng;
  state: TrainerState;

  constructor(
    readonly model: AffineVAE,
    readonly data: Split,
    readonly config: TrainConfig,
    options: TrainerOptions = {},
  ) {
    if (data.train.n === 0) throw new Error('no training images');
    if (config.minutes !== undefined && !options.budget) throw new Error('a config with minutes needs options.budget');
    this.budget = config.minutes !== undefined ? options.budget! : null;
    this.optimizer = new Adam(config, model.variables);
    const widest = Math.max(...model.config.decoderHidden);
    this.microBatch =
      options.microBatch ?? model.engine.preferredChunk ?? Math.max(1, Math.floor(256e6 / (model.pixels * widest * 4 * 4)));
    // Two streams, so the order of the data does not depend on how many samples were drawn.
    this.shuffle = new Rng(config.seed * 2 + 1);
    this.noise = new Rng(config.seed * 2 + 2);
    this.state = {
      epoch: 0,
      step: 0,
      shuffleAtEpochStart: this.shuffle.getState(),
      noise: this.noise.getState(),
      optimizerStep: 0,
      epochSums: new MetricSums().toJSON(),
      epochSeconds: 0,
      history: [],
      plannedSteps: null,
      decayFrom: null,
    };
  }

  /** The run's length in steps: planned by a time budget, else its epochs (`null` while unplanned). */
  get totalSteps(): number | null {
    if (this.state.plannedSteps != null) return this.state.plannedSteps;
    return this.budget ? null : this.config.epochs * this.stepsPerEpoch;
  }

  /** The run's length in epochs, the last perhaps partial (`null` while unplanned). */
  get totalEpochs(): number | null {
    const total = this.totalSteps;
    return total === null ? null : Math.ceil(total / this.stepsPerEpoch);
  }

  /** Steps taken so far. */
  get globalStep(): number {
    return this.state.epoch * this.stepsPerEpoch + this.state.step;
  }

  /** Whether the run has taken all its steps. */
  get finished(): boolean {
    const total = this.totalSteps;
    return total !== null && this.globalStep >= total;
  }

  /**
   * The schedule's factor on the learning rate at global step `step`. A time-budget run warms up
   * over at least its calibration steps and holds the full rate until its plan, so no step's rate
   * depends on a plan made after it.
   */
  learningRateFactor(step: number): number {
    const warmup = Math.max(this.config.warmupSteps ?? 0, this.budget ? CALIBRATION_STEPS : 0);
    const decayFrom = this.budget ? (this.state.decayFrom ?? Infinity) : warmup;
    return learningRateFactor(this.config.schedule ?? 'constant', step, warmup, this.totalSteps, decayFrom);
  }

  /**
   * Plans a time-budget run's length from the measured step time: what fits before the budget
   * ends, with one validation per epoch and the final evaluation, timed here on a few images.
   */
  private plan(stepSeconds: number): void {
    const { validation, train } = this.data;
    const source = validation.n > 0 ? validation : train;
    const probe = slice(source, 0, Math.min(source.n, Math.max(this.config.batch, 500)));
    // Twice: the first pass pays for first-call costs the real evaluations do not.
    evaluateSet(this.model, slice(probe, 0, Math.min(probe.n, this.config.batch)), this.config.batch, 0, this.microBatch);
    const t0 = performance.now();
    evaluateSet(this.model, probe, this.config.batch, 0, this.microBatch);
    const perImage = (performance.now() - t0) / 1000 / probe.n;
    const remaining = (this.budget!.endsAt - performance.now()) / 1000;
    // Checkpoints, model writes and noise on a busy machine: keep 3% and 2 s back.
    const total = planSteps({
      remaining: remaining * 0.97 - 2,
      stepSeconds,
      done: this.globalStep,
      stepsPerEpoch: this.stepsPerEpoch,
      validationSeconds: validation.n * perImage,
      after: this.budget!.finalImages * perImage,
    });
    this.state.plannedSteps = Math.min(total, this.config.epochs * this.stepsPerEpoch);
    this.state.decayFrom = this.globalStep;
    this.lastStepBy = this.budget!.endsAt - ((validation.n + this.budget!.finalImages) * perImage + 2) * 1000;
  }

  /** Steps per epoch. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.data.train.n / this.config.batch);
  }

  /**
   * One optimizer step on the images at `indices` of the training set.
   * @returns the batch means of the loss parts (and the count of correct predictions).
   */
  trainStep(set: ImageSet, indices: Int32Array, progress = 1): { loss: number; mse: number; kl: number; klNats: number; crossEntropy: number; correct: number } {
    const { model } = this;
    const b = indices.length;
    // Pixels are the grid's points; values are what an image holds (pixels × channels).
    const { pixels, values: v, latent } = model;
    const x = gatherPixels(set, indices);
    const labels = gatherLabels(set, indices);
    const eps = this.noise.normals(b * latent);
    // The training aids draw from the same stream, after eps, so a resumed run repeats them.
    const { klWarmup = 0, rotationAugment = 0, pixels: keep = 0, searchPixels = DEFAULT_SEARCH_PIXELS } = this.config;
    const klFactor = klWarmup > 0 ? Math.min(1, progress / klWarmup) : undefined;
    let input = x;
    let thetaOffset: Float32Array | null = null;
    // With the angle search, each image is first turned by the candidate that reads it best
    // (judged on a few random pixels), so the encoder trains on the turns it will be asked about.
    // Moment alignment also centres what the encoder sees on the ink, and the shift gets it back.
    const { turns: searched, centres } = model.searches ? model.readingFrame(x, this.samplePixels(pixels, Math.min(pixels, searchPixels))) : { turns: null, centres: null };
    if (rotationAugment > 0 || searched) {
      const angles = Array.from({ length: b }, (_, i) => (searched?.[i] ?? 0) + (2 * this.noise.uniform() - 1) * rotationAugment);
      input = model.alignedImages(x, angles, centres);
      // The encoder sees the digit turned by α, so it should infer θ + α; decoding θ + α − α
      // must give back the original.
      thetaOffset = Float32Array.from(angles, (a) => (-a * Math.PI) / 180);
    }
    const pixelIndices = keep > 0 && keep < pixels ? this.samplePixels(pixels, keep) : undefined;
    // The consistency term's random starts, one per image, drawn whatever the chunking.
    const { consistency = 0, consistencyRadius = DEFAULT_CONSISTENCY_RADIUS } = model.config.loss;
    const probes = consistency > 0 ? this.noise.normals(b * v) : null;
    const vars = model.variables;
    let grads: tf.Tensor[] | null = null;
    const sums = new Float64Array(6);
    for (let c = 0; c < b; c += this.microBatch) {
      const e = Math.min(b, c + this.microBatch);
      let extra: tf.Tensor1D | null = null;
      // What the encoder sees, uploaded once for the perturbation's search and the objective.
      const seen = tf.tensor2d(input.subarray(c * v, e * v), [e - c, v]);
      // The worst perturbation is found on the weights as they are, outside the weight gradient.
      const perturbation = probes ? tf.tidy(() => adversarialPerturbation(model, seen, tf.tensor2d(probes.subarray(c * v, e * v), [e - c, v]), consistencyRadius)) : undefined;
      const { value, grads: g } = tf.variableGrads(() => {
        const parts = objective(
          model,
          seen,
          tf.tensor1d(labels.subarray(c, e), 'int32'),
          tf.tensor2d(eps.subarray(c * latent, e * latent), [e - c, latent]),
          b,
          {
            klFactor,
            target: input === x ? undefined : tf.tensor2d(x.subarray(c * v, e * v), [e - c, v]),
            thetaOffset: thetaOffset ? tf.tensor1d(thetaOffset.subarray(c, e)) : undefined,
            centres: centres ? tf.tensor2d(centres.subarray(2 * c, 2 * e), [e - c, 2]) : undefined,
            pixelIndices,
            perturbation,
          },
        );
        extra = tf.keep(tf.stack([parts.mse, parts.kl, parts.klNats, parts.crossEntropy, parts.correct]) as tf.Tensor1D);
        return parts.total;
      }, vars);
      const chunkGrads = vars.map((v) => g[v.name]);
      if (grads === null) grads = chunkGrads;
      else {
        const prev: tf.Tensor[] = grads;
        grads = prev.map((t, i) => tf.add(t, chunkGrads[i]));
        tf.dispose([...prev, ...chunkGrads]);
      }
      const values = extra!.dataSync();
      sums[0] += value.dataSync()[0];
      for (let k = 0; k < 5; k++) sums[k + 1] += values[k];
      tf.dispose([value, extra!]);
      tf.dispose(seen);
      if (perturbation) tf.dispose([perturbation.r, perturbation.logTarget]);
    }
    this.optimizer.apply(grads!, this.learningRateFactor(this.optimizer.step));
    tf.dispose(grads!);
    return { loss: sums[0], mse: sums[1], kl: sums[2], klNats: sums[3], crossEntropy: sums[4], correct: sums[5] };
  }

  /** `keep` distinct pixel indices out of `pixels`, sorted (partial Fisher-Yates). */
  private samplePixels(pixels: number, keep: number): Int32Array {
    const all = Int32Array.from({ length: pixels }, (_, i) => i);
    for (let i = 0; i < keep; i++) {
      const j = i + this.noise.int(pixels - i);
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.subarray(0, keep).sort();
  }

  /**
   * A time-budget run's plan, once it has trained a quarter of its budget: the step time is the
   * mean of the steps so far (but the first few). After the plan, the run is cut short if its
   * steps have slowed so much that the rest of the plan would overrun the budget.
   */
  private keepToBudget(clock: { start: number; steps: number; timedSeconds: number }): void {
    const now = performance.now();
    if (this.state.plannedSteps == null) {
      if (clock.steps >= CALIBRATION_STEPS && now - clock.start >= PLAN_AFTER * (this.budget!.endsAt - clock.start)) {
        this.plan(clock.timedSeconds / (clock.steps - UNTIMED_STEPS));
      }
    } else if (now > this.lastStepBy && !this.finished) {
      this.cutShort = this.state.plannedSteps - this.globalStep;
      this.state.plannedSteps = this.globalStep;
    }
  }

  /** Runs from the current state to the run's last step (or until `shouldStop`). */
  async run(hooks: RunHooks = {}): Promise<{ stopped: boolean; history: EpochRecord[] }> {
    const { train, validation } = this.data;
    const batch = this.config.batch;
    const steps = this.stepsPerEpoch;
    // The steps of this call, and the seconds of those past the first few (hooks and yield
    // included; epoch ends are not), for a time budget's plan.
    const clock = { start: performance.now(), steps: 0, timedSeconds: 0 };
    while (!this.finished) {
      const epoch = this.state.epoch;
      this.shuffle.setState(this.state.shuffleAtEpochStart);
      const order = this.shuffle.permutation(train.n);
      const sums = MetricSums.fromJSON(this.state.epochSums);
      const started = performance.now() - this.state.epochSeconds * 1000;
      const imagesBefore = sums.count;
      const resumedAt = performance.now();
      for (let step = this.state.step; step < steps && !this.finished; step++) {
        const stepStart = performance.now();
        const indices = order.subarray(step * batch, Math.min(train.n, (step + 1) * batch));
        const parts = this.trainStep(train, indices, epoch + step / steps);
        if (!Number.isFinite(parts.loss)) throw new TrainingDivergedError(`the loss became ${parts.loss} at epoch ${epoch + 1}, step ${step + 1}`);
        sums.add(indices.length, { ...parts, correct: parts.correct });
        this.state.step = step + 1;
        this.state.epochSums = sums.toJSON();
        this.state.noise = this.noise.getState();
        this.state.optimizerStep = this.optimizer.step;
        const rate = (sums.count - imagesBefore) / ((performance.now() - resumedAt) / 1000);
        hooks.onStep?.({
          epoch,
          step: step + 1,
          steps,
          metrics: sums.mean(),
          imagesPerSecond: rate,
          learningRate: this.config.learningRate * this.learningRateFactor(this.optimizer.step - 1),
          globalStep: this.globalStep,
          totalSteps: this.totalSteps,
          secondsLeft: this.budget ? (this.budget.endsAt - performance.now()) / 1000 : null,
        });
        // A step is synchronous; yield so that signals (Ctrl-C) and progress redraws get their turn.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.budget) {
          if (++clock.steps > UNTIMED_STEPS) clock.timedSeconds += (performance.now() - stepStart) / 1000;
          this.keepToBudget(clock);
        }
        if (hooks.shouldStop?.() && step + 1 < steps && !this.finished) {
          this.state.epochSeconds = (performance.now() - started) / 1000;
          await hooks.onStop?.(this.snapshot());
          return { stopped: true, history: this.state.history };
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1,
        train: sums.mean(),
        validation: validation.n > 0 ? evaluateSet(this.model, validation, batch, this.config.seed + 1000 + epoch, this.microBatch) : null,
        seconds,
        imagesPerSecond: sums.count / seconds,
        ...(sums.count < train.n ? { images: sums.count } : {}),
      };
      const bad = [record.train.loss, record.train.mse, record.validation?.mse ?? 0, record.validation?.klNats ?? 0].find((v) => !Number.isFinite(v));
      if (bad !== undefined) throw new TrainingDivergedError(`epoch ${epoch + 1} ended with a non-finite loss or validation metric (${bad})`);
      const badWeight = this.model.variables.find((v) => tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(v))).dataSync()[0]));
      if (badWeight) throw new TrainingDivergedError(`weight ${badWeight.name.replace(/#\d+$/, '')} became non-finite in epoch ${epoch + 1}`);
      this.state.history.push(record);
      this.state.epoch = epoch + 1;
      this.state.step = 0;
      this.state.shuffleAtEpochStart = this.shuffle.getState();
      this.state.epochSums = new MetricSums().toJSON();
      this.state.epochSeconds = 0;
      await hooks.onEpoch?.(record, this.snapshot());
      if (hooks.shouldStop?.() && !this.finished) {
        await hooks.onStop?.(this.snapshot());
        return { stopped: true, history: this.state.history };
      }
    }
    return { stopped: false, history: this.state.history };
  }

  /** The current weights, optimizer moments and loop state (tensors are live: write them out before the next step). */
  snapshot(): TrainerSnapshot {
    return { state: structuredClone(this.state), weights: this.model.namedWeights(), optimizer: this.optimizer.namedState() };
  }

  /** Puts the model, optimizer and loop back where a snapshot was taken. */
  restore(snapshot: TrainerSnapshot): void {
    this.model.setNamedWeights(snapshot.weights);
    this.optimizer.restore(snapshot.optimizer, snapshot.state.optimizerStep);
    this.state = structuredClone(snapshot.state);
    this.noise.setState(this.state.noise);
    this.shuffle.setState(this.state.shuffleAtEpochStart);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
