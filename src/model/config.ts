import { BUILTIN_WARPS, warpFamily } from './warps/registry.ts';

/**
 * Model configuration and presets. The `seed` preset is the original code's model, number for
 * number (see SEED.md); every field can be overridden.
 */

/** How the KL term is scaled before its loss weight is applied. */
export type KlScaling =
  /** The original code's effective scaling: `sum(KL) / (batch · latent)²` (it divides twice). */
  | 'seed'
  /** What the original's comment intends: the mean over all `batch · latent` elements. */
  | 'mean'
  /** A proper ELBO term: KL summed over the latent dimensions, averaged over images. */
  | 'per-image';

/** Which latent dimensions the classifier head sees. */
export type PredictorInput =
  /** The original's `z[:, :-1]`: content plus five of the six warp dimensions. */
  | 'seed'
  /** Only the content dimensions (what the original's comment intends). */
  | 'content';

/** Standard deviations of the priors on the angle and translation latents (where a warp has them). */
export interface PriorConfig {
  /** σθ of θ ~ N(0, σθ²), radians. */
  rotation: number;
  /** σt of t ~ N(0, σt²), grid units (the image spans 2). */
  translation: number;
}

/** The frames moment alignment can turn images into (see `ModelConfig.alignFrame`). */
export const ALIGN_FRAMES = ['ink', 'axis'] as const;
/** One of {@link ALIGN_FRAMES}. */
export type AlignFrame = (typeof ALIGN_FRAMES)[number];
/** The turns content can be pooled over: quarter turns (4) or half turns (2). */
export const POOL_TURNS = [2, 4] as const;
/** One of {@link POOL_TURNS}. */
export type PoolTurns = (typeof POOL_TURNS)[number];

/** Everything that defines a model's architecture and loss. Saved with the weights. */
export interface ModelConfig {
  preset: string;
  /** Image height and width in pixels. */
  height: number;
  width: number;
  /**
   * Values per pixel (1 grey, the default when absent; 3 RGB; up to {@link MAX_MODEL_CHANNELS}).
   * The encoder reads all `H·W·C` values; the decoder draws C sigmoid outputs at each point, all
   * under the one warp, and the reconstruction term sums over channels.
   */
  channels?: number;
  encoderHidden: number[];
  decoderHidden: number[];
  predictorHidden: number[];
  /** Content latents `c` (the first ones in `z`). */
  contentDims: number;
  /** The warp family's name (see `model/warps/`). */
  warp: string;
  /** Warp latents `p` (the last ones in `z`): as many as the family reads. */
  warpDims: number;
  /** Priors of the `rotation` and `rotation-translation` warps' latents. */
  priors: PriorConfig;
  classes: number;
  /** The factor `s` in `M = s·P3 + I` (`seed`, `affine`); the original's empirical 0.1. */
  warpScale: number;
  predictorInput: PredictorInput;
  loss: LossConfig;
  /**
   * Angle search (families with an angle latent): the encoder also reads each image turned by
   * `360k/angleSearch` degrees, `k = 1, …`, each reading's angle is turned back, and the one
   * whose reconstruction is closest wins. One MLP pass cannot read a half turn; with the search
   * the encoder only has to read angles within `±180/angleSearch` degrees. 0 or absent: off.
   */
  angleSearch?: number;
  /**
   * Moment alignment (families with an angle latent): the encoder reads each image turned so
   * that its ink's third moment points up (`model/orientation.ts`), and the angle it reads gets
   * that turn back. The turn is a function of the pixels that turns with the image, so a digit
   * turned by θ is read as the same digit turned by θ, and the encoder only reads what is left.
   * With `angleSearch` K, the candidates are that turn plus `360k/K`.
   */
  momentAlign?: boolean;
  /**
   * The frame moment alignment turns images into: `ink` (absent), the third moment pointing up
   * ({@link inkTurns}); `axis`, the principal axis upright with the third moment's end on top
   * ({@link axisTurns}), nearer to how digits are written.
   */
  alignFrame?: AlignFrame;
  /**
   * Content pooled over quarter turns (square images, families with an angle latent): the
   * content latents are the mean of the encoder's readings of the image and of its three exact
   * quarter turns, so the content cannot see a quarter turn of the input and a turn must go
   * through the angle. The warp latents are the reading of the image as given. Absent: off.
   */
  poolContent?: boolean;
  /**
   * The turns `poolContent` pools over: 4, the image and its three quarter turns (square
   * images), or 2, the image and its half turn. A frame that already stands a digit's axis
   * upright leaves only its half turn unknown, and pooling over 2 reads the encoder half as
   * often. Absent: 4.
   */
  poolTurns?: PoolTurns;
  /**
   * Components of a Gaussian-mixture prior on the content latents (VaDE; `model/mixture.ts`),
   * learned with the model. Absent: the standard normal prior. The KL weight `kl` applies to the
   * mixture's KL as to the normal one's.
   */
  mixture?: number;
}

/** Most components a mixture prior may have. */
export const MAX_MIXTURE_COMPONENTS = 256;

/**
 * The consistency term's perturbation length when unset: the length the shipped `mnist-pose`
 * trained with (a unit change of pixels in [0, 1]); an MNIST digit's nearest other digit is
 * about 3.7 away.
 */
export const DEFAULT_CONSISTENCY_RADIUS = 1;

/** The reconstruction term. */
export type Likelihood =
  /** The original's: mean squared error over all pixels of the batch. */
  | 'mse'
  /** Bernoulli: binary cross-entropy summed over pixels, averaged over images (nats per image). */
  | 'bce'
  /** Gaussian with fixed σ: `Σ_pixels (x − y)² / (2σ²)`, averaged over images. */
  | 'gaussian';

/** The weights of the three loss terms and the KL scaling. */
export interface LossConfig {
  crossEntropy: number;
  /** Weight of the reconstruction term (whatever the likelihood; the name is the original's). */
  mse: number;
  /** The reconstruction term; `bce` or `gaussian` with `klScaling: 'per-image'` is a proper ELBO. */
  likelihood: Likelihood;
  /** σ of the `gaussian` likelihood. */
  sigma: number;
  kl: number;
  /**
   * The KL weight of the warp latents alone (absent: `kl`, as the content's). A light warp KL lets
   * the warp win the pose from the content, whose KL can then be light enough to keep every
   * content latent alive (the full-pose runs in README).
   */
  klWarp?: number;
  /**
   * The weight of the clustering term (absent: 0), which needs a mixture prior: minus the mutual
   * information between each image and its mixture component ({@link MixturePrior.negInformation}).
   */
  cluster?: number;
  /**
   * How much the clustering term weighs the components' evenness against each code's sureness
   * (absent: 1, the mutual information; IMSAT uses 4).
   */
  clusterBalance?: number;
  /**
   * The weight of the consistency term (absent: 0), which needs a mixture prior: how much the
   * component read changes under the worst perturbation of the encoder's input of length
   * `consistencyRadius` (VAT, as IMSAT uses it; `objective/consistency.ts`). A training aid:
   * reading a model does not use it.
   */
  consistency?: number;
  /** The L2 length of the consistency term's perturbation, per image in [0, 1] values (absent: {@link DEFAULT_CONSISTENCY_RADIUS}). */
  consistencyRadius?: number;
  klScaling: KlScaling;
  /** Added to the scale inside the KL, as the original's `Normal(mu, var + 1e-8)`. */
  scaleEpsilon: number;
}

/** How the learning rate moves over a run (see `train/schedule.ts`). */
export type ScheduleKind =
  /** The original's: the same rate at every step. */
  | 'constant'
  /** A linear warm-up, then half a cosine down to 2% of the rate at the run's last step. */
  | 'cosine';

/** The optimizer and schedule (the `seed` preset's are the original code's). */
export interface TrainConfig {
  /** The run's length, unless `minutes` sets it. */
  epochs: number;
  batch: number;
  validationSplit: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  seed: number;
  /** Epochs over which the KL weight ramps up linearly from 0 (0: no warm-up). */
  klWarmup?: number;
  /**
   * Rotation augmentation, degrees: the encoder sees each image turned by a known uniform angle in
   * ±this, the angle latent gets that angle back, and the decoder must reproduce the original
   * (rotation presets only; 0: off).
   */
  rotationAugment?: number;
  /** Pixel subsampling: decode and score this many random pixels per step (0: all). */
  pixels?: number;
  /**
   * Random pixels a step's angle search compares its candidates on (default
   * {@link DEFAULT_SEARCH_PIXELS}). A digit covers about 6% of a 50×50 frame, so 64 pixels put
   * about four on its ink: too few to tell a digit from its half turn.
   */
  searchPixels?: number;
  /** The learning-rate schedule (default `constant`). */
  schedule?: ScheduleKind;
  /** Steps over which the learning rate ramps up linearly (0: none). */
  warmupSteps?: number;
  /**
   * A time budget: the run measures its step time, plans how many steps fit in this many minutes
   * (counted from when the process started, with the final evaluation kept inside), and ends its
   * schedule there. `epochs` is then only an upper bound.
   */
  minutes?: number;
}

/** The `seed` preset: the original post's model. */
export const SEED_MODEL: ModelConfig = Object.freeze({
  preset: 'seed',
  height: 28,
  width: 28,
  encoderHidden: [512, 512],
  decoderHidden: [512, 512],
  predictorHidden: [512],
  contentDims: 10,
  warp: 'seed',
  warpDims: 6,
  priors: Object.freeze({ rotation: Math.PI / 4, translation: 0.1 }),
  classes: 10,
  warpScale: 0.1,
  predictorInput: 'seed',
  loss: Object.freeze({ crossEntropy: 1e-3, mse: 1, likelihood: 'mse', sigma: 0.1, kl: 5, klScaling: 'seed', scaleEpsilon: 1e-8 }),
}) as ModelConfig;

/** The `seed` preset's training: Keras Adam defaults, 50 epochs of batch 1000, 2% validation. */
export const SEED_TRAIN: TrainConfig = Object.freeze({
  epochs: 50,
  batch: 1000,
  validationSplit: 0.02,
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  seed: 1234,
});

/** A preset that differs from `seed` only in its warp family. */
function warpPreset(warp: string): { model: ModelConfig; train: TrainConfig } {
  return { model: Object.freeze({ ...SEED_MODEL, preset: warp, warp, warpDims: warpFamily(warp).latents.length }) as ModelConfig, train: SEED_TRAIN };
}

/** Named presets: `seed` is the original; one more per shipped warp family, which changes only the warp. */
export const PRESETS: Record<string, { model: ModelConfig; train: TrainConfig }> = Object.fromEntries(
  BUILTIN_WARPS.map((warp) => [warp, warp === 'seed' ? { model: SEED_MODEL, train: SEED_TRAIN } : warpPreset(warp)]),
);

/** Pixels a training step's angle search compares on unless `searchPixels` says otherwise (few: it runs every step). */
export const DEFAULT_SEARCH_PIXELS = 64;

/** The most channels a model may have (grey, grey + alpha, RGB, RGBA or four stains). */
export const MAX_MODEL_CHANNELS = 4;

/** Values per pixel of a model's images (1 when the config predates channels). */
export function channelsOf(config: Pick<ModelConfig, 'channels'>): number {
  return config.channels ?? 1;
}

/** The turns a model's content is pooled over: its `poolTurns` (absent: 4), or 0 when not pooled. */
export function poolTurnsOf(config: Pick<ModelConfig, 'poolContent' | 'poolTurns'>): PoolTurns | 0 {
  return config.poolContent ? (config.poolTurns ?? 4) : 0;
}

/** Total latent size. */
export function latentDims(config: ModelConfig): number {
  return config.contentDims + config.warpDims;
}

/** Overrides on a preset, as the CLI collects them. */
export interface ConfigOverrides {
  hidden?: number;
  contentDims?: number;
  rotationPrior?: number;
  translationPrior?: number;
  crossEntropy?: number;
  mse?: number;
  kl?: number;
  klWarp?: number;
  cluster?: number;
  clusterBalance?: number;
  consistency?: number;
  consistencyRadius?: number;
  klScaling?: KlScaling;
  likelihood?: Likelihood;
  sigma?: number;
  predictorInput?: PredictorInput;
  warpScale?: number;
  angleSearch?: number;
  momentAlign?: boolean;
  alignFrame?: AlignFrame;
  poolContent?: boolean;
  poolTurns?: PoolTurns;
  channels?: number;
  mixture?: number;
}

/** A preset's model config with overrides applied; `hidden` sets every hidden width. */
export function buildModelConfig(preset: string, o: ConfigOverrides = {}): ModelConfig {
  const base = PRESETS[preset];
  if (!base) throw new Error(`unknown preset '${preset}' (known: ${Object.keys(PRESETS).join(', ')})`);
  return applyOverrides(base.model, o);
}

/** `m` with overrides applied (a preset's config, or a trained model's); `hidden` sets every hidden width. */
export function applyOverrides(m: ModelConfig, o: ConfigOverrides): ModelConfig {
  const widths = (ws: number[]) => (o.hidden !== undefined ? ws.map(() => o.hidden!) : [...ws]);
  const config: ModelConfig = {
    ...m,
    encoderHidden: widths(m.encoderHidden),
    decoderHidden: widths(m.decoderHidden),
    predictorHidden: widths(m.predictorHidden),
    contentDims: o.contentDims ?? m.contentDims,
    priors: { rotation: o.rotationPrior ?? m.priors.rotation, translation: o.translationPrior ?? m.priors.translation },
    warpScale: o.warpScale ?? m.warpScale,
    ...(o.angleSearch !== undefined || m.angleSearch !== undefined ? { angleSearch: o.angleSearch ?? m.angleSearch } : {}),
    ...(o.momentAlign !== undefined || m.momentAlign !== undefined ? { momentAlign: o.momentAlign ?? m.momentAlign } : {}),
    ...(o.alignFrame !== undefined || m.alignFrame !== undefined ? { alignFrame: o.alignFrame ?? m.alignFrame } : {}),
    ...(o.poolContent !== undefined || m.poolContent !== undefined ? { poolContent: o.poolContent ?? m.poolContent } : {}),
    ...(o.poolTurns !== undefined || m.poolTurns !== undefined ? { poolTurns: o.poolTurns ?? m.poolTurns } : {}),
    ...(o.mixture !== undefined || m.mixture !== undefined ? { mixture: o.mixture ?? m.mixture } : {}),
    // Absent stays absent, so the seed preset's config is the original's, field for field.
    ...(o.channels !== undefined || m.channels !== undefined ? { channels: o.channels ?? m.channels } : {}),
    predictorInput: o.predictorInput ?? m.predictorInput,
    loss: {
      ...m.loss,
      crossEntropy: o.crossEntropy ?? m.loss.crossEntropy,
      mse: o.mse ?? m.loss.mse,
      kl: o.kl ?? m.loss.kl,
      // Absent stays absent (the seed preset's loss is the original's).
      ...(o.klWarp !== undefined || m.loss.klWarp !== undefined ? { klWarp: o.klWarp ?? m.loss.klWarp } : {}),
      ...(o.cluster !== undefined || m.loss.cluster !== undefined ? { cluster: o.cluster ?? m.loss.cluster } : {}),
      ...(o.clusterBalance !== undefined || m.loss.clusterBalance !== undefined ? { clusterBalance: o.clusterBalance ?? m.loss.clusterBalance } : {}),
      ...(o.consistency !== undefined || m.loss.consistency !== undefined ? { consistency: o.consistency ?? m.loss.consistency } : {}),
      ...(o.consistencyRadius !== undefined || m.loss.consistencyRadius !== undefined ? { consistencyRadius: o.consistencyRadius ?? m.loss.consistencyRadius } : {}),
      klScaling: o.klScaling ?? m.loss.klScaling,
      likelihood: o.likelihood ?? m.loss.likelihood,
      sigma: o.sigma ?? m.loss.sigma,
    },
  };
  // A mixture of 0 is the normal prior: the field is dropped, as for a model that never had one.
  if (config.mixture === 0) delete config.mixture;
  if (config.loss.cluster === 0) delete config.loss.cluster;
  if (config.loss.consistency === 0) delete config.loss.consistency;
  validateModelConfig(config);
  return config;
}

/**
 * How `b`'s architecture differs from `a`'s, one phrase per difference (empty: the weights of one
 * fit the other). The loss weights may differ: they do not change the weights' shapes or meaning.
 * So may the prior: a mixture is the prior's own weights, which a model without one leaves to be
 * fitted.
 */
export function architectureDifferences(a: ModelConfig, b: ModelConfig): string[] {
  const fields: [string, (c: ModelConfig) => unknown][] = [
    ['image size', (c) => `${c.height}×${c.width}`],
    ['channels', (c) => channelsOf(c)],
    ['warp', (c) => c.warp],
    ['content latents', (c) => c.contentDims],
    ['encoder widths', (c) => c.encoderHidden.join('/')],
    ['decoder widths', (c) => c.decoderHidden.join('/')],
    ['classifier widths', (c) => c.predictorHidden.join('/')],
    ['classifier input', (c) => c.predictorInput],
    ['classes', (c) => c.classes],
    ['warp scale', (c) => c.warpScale],
  ];
  return fields.filter(([, f]) => f(a) !== f(b)).map(([name, f]) => `${name} ${f(a)} vs ${f(b)}`);
}

/**
 * A saved config brought up to date: configs written before warp families existed hold a seed
 * warp and no priors.
 */
export function upgradeModelConfig(c: ModelConfig): ModelConfig {
  return {
    ...c,
    warp: c.warp ?? 'seed',
    priors: c.priors ?? { ...SEED_MODEL.priors },
    loss: { ...c.loss, likelihood: c.loss.likelihood ?? 'mse', sigma: c.loss.sigma ?? SEED_MODEL.loss.sigma },
  };
}

/** Throws a clear message for a config that cannot make a model. */
export function validateModelConfig(c: ModelConfig): void {
  const positiveInt = (v: unknown, name: string) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt(c.height, 'height');
  positiveInt(c.width, 'width');
  positiveInt(c.contentDims, 'contentDims');
  positiveInt(c.classes, 'classes');
  for (const [name, ws] of [['encoderHidden', c.encoderHidden], ['decoderHidden', c.decoderHidden], ['predictorHidden', c.predictorHidden]] as const) {
    if (!Array.isArray(ws)) throw new Error(`${name} must be a list of widths`);
    ws.forEach((w, i) => positiveInt(w, `${name}[${i}]`));
  }
  const dims = warpFamily(c.warp).latents.length;
  if (c.warpDims !== dims) throw new Error(`the ${c.warp} warp reads ${dims} warp latents, got warpDims ${c.warpDims}`);
  if (!(c.priors?.rotation > 0) || !(c.priors?.translation > 0)) throw new Error('prior standard deviations must be positive');
  for (const [name, w] of [['kl', c.loss.kl], ['klWarp', c.loss.klWarp ?? 0], ['cluster', c.loss.cluster ?? 0], ['consistency', c.loss.consistency ?? 0], ['mse', c.loss.mse], ['crossEntropy', c.loss.crossEntropy]] as const) {
    if (!(Number.isFinite(w) && w >= 0)) throw new Error(`the ${name} loss weight must be a finite number ≥ 0, got ${w}`);
  }
  if (!['seed', 'mean', 'per-image'].includes(c.loss.klScaling)) throw new Error(`unknown KL scaling '${c.loss.klScaling}'`);
  if (!['mse', 'bce', 'gaussian'].includes(c.loss.likelihood)) throw new Error(`unknown likelihood '${c.loss.likelihood}'`);
  if (!(c.loss.sigma > 0)) throw new Error('the gaussian likelihood needs sigma > 0');
  if (c.channels !== undefined && !(Number.isInteger(c.channels) && c.channels >= 1 && c.channels <= MAX_MODEL_CHANNELS)) {
    throw new Error(`channels must be an integer from 1 to ${MAX_MODEL_CHANNELS}, got ${c.channels}`);
  }
  if (c.angleSearch !== undefined && !(Number.isInteger(c.angleSearch) && c.angleSearch >= 0 && c.angleSearch <= 64)) {
    throw new Error(`angleSearch must be an integer in [0, 64], got ${c.angleSearch}`);
  }
  if ((c.angleSearch ?? 0) > 0 && warpFamily(c.warp).angle === null) throw new Error(`angle search needs a warp with an angle latent, not ${c.warp}`);
  if (c.momentAlign !== undefined && typeof c.momentAlign !== 'boolean') throw new Error(`momentAlign must be true or false, got ${c.momentAlign}`);
  if (c.momentAlign && warpFamily(c.warp).angle === null) throw new Error(`moment alignment needs a warp with an angle latent, not ${c.warp}`);
  if (c.alignFrame !== undefined && !ALIGN_FRAMES.includes(c.alignFrame)) throw new Error(`unknown alignment frame '${c.alignFrame}' (known: ${ALIGN_FRAMES.join(', ')})`);
  if (c.poolContent !== undefined && typeof c.poolContent !== 'boolean') throw new Error(`poolContent must be true or false, got ${c.poolContent}`);
  if (c.poolTurns !== undefined && !POOL_TURNS.includes(c.poolTurns)) throw new Error(`poolTurns must be ${POOL_TURNS.join(' or ')}, got ${c.poolTurns}`);
  if (c.poolTurns !== undefined && !c.poolContent) throw new Error('poolTurns needs poolContent');
  const pooled = poolTurnsOf(c);
  if (pooled === 4 && c.height !== c.width) throw new Error(`content pooled over quarter turns needs square images, not ${c.height}×${c.width}`);
  if (pooled && warpFamily(c.warp).angle === null) throw new Error(`content pooled over ${pooled === 2 ? 'half' : 'quarter'} turns needs a warp with an angle latent, not ${c.warp}`);
  if (c.mixture !== undefined && !(Number.isInteger(c.mixture) && c.mixture >= 1 && c.mixture <= MAX_MIXTURE_COMPONENTS)) {
    throw new Error(`mixture must be an integer from 1 to ${MAX_MIXTURE_COMPONENTS} components, got ${c.mixture}`);
  }
  if ((c.loss.cluster ?? 0) > 0 && c.mixture === undefined) throw new Error('the cluster loss weight needs a mixture prior (mixture)');
  if ((c.loss.consistency ?? 0) > 0 && c.mixture === undefined) throw new Error('the consistency loss weight needs a mixture prior (mixture)');
  if (c.loss.clusterBalance !== undefined && !(Number.isFinite(c.loss.clusterBalance) && c.loss.clusterBalance >= 0 && c.loss.clusterBalance <= 100)) {
    throw new Error(`clusterBalance must be a number in [0, 100], got ${c.loss.clusterBalance}`);
  }
  if (c.loss.consistencyRadius !== undefined && !(Number.isFinite(c.loss.consistencyRadius) && c.loss.consistencyRadius > 0 && c.loss.consistencyRadius <= 1e3)) {
    throw new Error(`consistencyRadius must be a number in (0, 1000], got ${c.loss.consistencyRadius}`);
  }
  if (!['seed', 'content'].includes(c.predictorInput)) throw new Error(`unknown predictor input '${c.predictorInput}'`);
}
