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

/** Everything that defines a model's architecture and loss. Saved with the weights. */
export interface ModelConfig {
  preset: string;
  /** Image height and width in pixels. */
  height: number;
  width: number;
  encoderHidden: number[];
  decoderHidden: number[];
  predictorHidden: number[];
  /** Content latents `c` (the first ones in `z`). */
  contentDims: number;
  /** Warp latents `p` (the last ones in `z`); the seed warp reads 6. */
  warpDims: number;
  classes: number;
  /** The factor in `M = warpScale · P3 + I`; the original's empirical 0.1. */
  warpScale: number;
  predictorInput: PredictorInput;
  loss: LossConfig;
}

/** The weights of the three loss terms and the KL scaling. */
export interface LossConfig {
  crossEntropy: number;
  mse: number;
  kl: number;
  klScaling: KlScaling;
  /** Added to the scale inside the KL, as the original's `Normal(mu, var + 1e-8)`. */
  scaleEpsilon: number;
}

/** The original code's optimizer and schedule. */
export interface TrainConfig {
  epochs: number;
  batch: number;
  validationSplit: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  seed: number;
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
  warpDims: 6,
  classes: 10,
  warpScale: 0.1,
  predictorInput: 'seed',
  loss: Object.freeze({ crossEntropy: 1e-3, mse: 1, kl: 5, klScaling: 'seed', scaleEpsilon: 1e-8 }),
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

/** Named presets. */
export const PRESETS: Record<string, { model: ModelConfig; train: TrainConfig }> = {
  seed: { model: SEED_MODEL, train: SEED_TRAIN },
};

/** Total latent size. */
export function latentDims(config: ModelConfig): number {
  return config.contentDims + config.warpDims;
}

/** Overrides on a preset, as the CLI collects them. */
export interface ConfigOverrides {
  hidden?: number;
  contentDims?: number;
  warpDims?: number;
  crossEntropy?: number;
  mse?: number;
  kl?: number;
  klScaling?: KlScaling;
  predictorInput?: PredictorInput;
  warpScale?: number;
}

/** A preset's model config with overrides applied; `hidden` sets every hidden width. */
export function buildModelConfig(preset: string, o: ConfigOverrides = {}): ModelConfig {
  const base = PRESETS[preset];
  if (!base) throw new Error(`unknown preset '${preset}' (known: ${Object.keys(PRESETS).join(', ')})`);
  const m = base.model;
  const widths = (ws: number[]) => (o.hidden !== undefined ? ws.map(() => o.hidden!) : [...ws]);
  const config: ModelConfig = {
    ...m,
    encoderHidden: widths(m.encoderHidden),
    decoderHidden: widths(m.decoderHidden),
    predictorHidden: widths(m.predictorHidden),
    contentDims: o.contentDims ?? m.contentDims,
    warpDims: o.warpDims ?? m.warpDims,
    warpScale: o.warpScale ?? m.warpScale,
    predictorInput: o.predictorInput ?? m.predictorInput,
    loss: {
      ...m.loss,
      crossEntropy: o.crossEntropy ?? m.loss.crossEntropy,
      mse: o.mse ?? m.loss.mse,
      kl: o.kl ?? m.loss.kl,
      klScaling: o.klScaling ?? m.loss.klScaling,
    },
  };
  validateModelConfig(config);
  return config;
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
  if (c.warpDims !== 6) throw new Error(`the seed warp reads 6 warp latents (a 2×3 matrix), got warpDims ${c.warpDims}`);
  if (!['seed', 'mean', 'per-image'].includes(c.loss.klScaling)) throw new Error(`unknown KL scaling '${c.loss.klScaling}'`);
  if (!['seed', 'content'].includes(c.predictorInput)) throw new Error(`unknown predictor input '${c.predictorInput}'`);
}
