/**
 * affine-vae: unsupervised normalization of small images with a VAE whose decoder is a function
 * of pixel coordinates and whose latent space holds an explicit affine warp.
 *
 * This entry is platform-neutral (no `node:` imports), for Node and the browser alike. In Node,
 * import `affine-vae/node` as well: it adds gradients for training (`registerGradients`), file
 * I/O, MNIST and the native decoder engine.
 *
 * The flow, and the folders it follows: data → model → objective → training → evaluation →
 * rendering (docs/architecture.md).
 *
 * @packageDocumentation
 */

// Models and their configuration.
export { AffineVAE, UNWARP_PASSES, type DecodeOptions, type ModelOptions, type Posterior } from './model/vae.ts';
export { PRESETS, SEED_MODEL, SEED_TRAIN, buildModelConfig, validateModelConfig } from './model/config.ts';
export type { ConfigOverrides, KlScaling, Likelihood, LossConfig, ModelConfig, PredictorInput, PriorConfig, ScheduleKind, TrainConfig } from './model/config.ts';
export { ModelFormatError, fromArtifacts, loadModel, toArtifacts } from './model/serialize.ts';
export type { Pose, Transform } from './model/transform.ts';
export { type Matrix2, rotationMatrix, transformImages } from './model/transform-images.ts';
export { gridValues } from './model/warp.ts';
export { MixturePrior } from './model/mixture.ts';

// Warp families: one file each in model/warps/, registered by name.
export type { WarpFamily, WarpLatent } from './model/warps/family.ts';
export { registerWarpFamily, warpFamily, warpFamilyNames } from './model/warps/registry.ts';

// Who runs the decoder (the native engine is in `affine-vae/node`).
export { type DecoderEngine, type ImageLossKind, tfjsEngine } from './model/engine.ts';
export { Rng, type RngState } from './model/rng.ts';

// Data: image sets, IDX, pictures from a canvas or a file.
export { type ImageSet, type Split, slice, validationSplit } from './data/dataset.ts';
export { IdxError, type IdxArray, encodeIdx, parseIdx } from './data/idx.ts';
export { toBytes, toUnit } from './data/pixels.ts';
export { lightBackground, luminance, rgbaToColour, rgbaToGrey, rgbaToInput } from './data/resize.ts';
export { colouredSet } from './io/coloured.ts';
export { centerLikeMnist, frameImages } from './data/center.ts';

// The objective and training.
export { type ObjectiveOptions, objective } from './objective/objective.ts';
export type { LossParts } from './objective/terms.ts';
export { type Metrics, evaluateSet } from './objective/metrics.ts';
export { type EpochRecord, type RunHooks, type StepReport, Trainer, TrainingDivergedError, type TrainerOptions, type TrainerSnapshot, type TrainerState } from './train/trainer.ts';
export { RECIPES, type Recipe, recipe } from './train/recipes.ts';

// Evaluation against the moment baselines.
export { EVALUATION_DEFAULTS, type EvaluationReport, type ReportOptions, evaluationReport, reportMarkdown, summaryTable } from './eval/report.ts';
export { HARD_RANGES, NATURAL_RANGES, type TransformRanges } from './eval/transforms.ts';
export { type Normalizer, baselines, modelNormalizer } from './eval/suite.ts';

// Rendering: figures, traversals, animations, plots.
export { type Picture, normalizationFigure, stack, tile, upscale } from './render/figure.ts';
export { animatedGif, interpolate, latentOf, traverse, warpAnimation } from './render/latent.ts';
export { histogramSvg, scatterSvg } from './render/plots.ts';

// TF.js backends.
export { type BackendChoice, type BackendName, NODE_BACKENDS, selectBackend } from './tensors/backend.ts';
