/**
 * affine-vae: unsupervised normalization of small images with a VAE whose decoder is a function
 * of pixel coordinates and whose latent space holds an explicit affine warp.
 *
 * This entry is platform-neutral (no `node:` imports), for Node and the browser alike. In Node,
 * import `affine-vae/node` as well: it registers TF.js' gradients and adds file I/O, MNIST and
 * the native decoder engine.
 *
 * @packageDocumentation
 */
export { PRESETS, SEED_MODEL, SEED_TRAIN, buildModelConfig, latentDims, validateModelConfig } from './model/config.ts';
export type { ConfigOverrides, KlScaling, LossConfig, ModelConfig, PredictorInput, TrainConfig } from './model/config.ts';
export { AffineVAE, UNWARP_PASSES } from './model/vae.ts';
export type { DecodeOptions, ForwardResult, Posterior } from './model/vae.ts';
export { CoordinateDecoder } from './model/decoder.ts';
export { type DecoderEngine, type ImageLossKind, decoderEngineName, engineFor, setDecoderEngine, tfjsEngine } from './model/engine.ts';
export type { LossOptions } from './model/vae.ts';
export type { Likelihood, PriorConfig } from './model/config.ts';
export { type LossParts, klDivisor, klElements, lossParts } from './model/loss.ts';
export { Rng, type RngState } from './model/rng.ts';
export { WARP_DIMS, type WarpKind, gridValues, seedWarpMatrix, warpAffine, warpGrid, warpLatentNames } from './model/warp.ts';
export { type Mat2, type Transform, compose, decompose, invert, multiply, poseFromAffine, seedPose } from './model/transform.ts';
export { MODEL_FORMAT, ModelFormatError, configOf, fromArtifacts, loadModel, toArtifacts } from './model/serialize.ts';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IdxError, type IdxArray, encodeIdx, parseIdx } from './data/idx.ts';
export { type ImageSet, type Split, gatherPixels, slice, validationSplit } from './data/dataset.ts';
export { lightBackground, resizeGrey, rgbaToGrey, rgbaToInput } from './data/resize.ts';
export { centerLikeMnist } from './data/center.ts';
export { type Matrix2, rotationMatrix, transformImages } from './model/transform-images.ts';
export { type Metrics, evaluateSet } from './eval/metrics.ts';
export { HARD_RANGES, NATURAL_RANGES, type TransformRanges, sampleTransforms } from './eval/transforms.ts';
export { imageMoments, momentNormalize, principalAngle } from './eval/moments.ts';
export { type Normalizer, baselines, circularCorrelation, invariance, modelNormalizer, nearestNeighbourAccuracy, poseRecovery, transformSet } from './eval/suite.ts';
export { type EvaluationReport, evaluationReport, reportMarkdown } from './eval/report.ts';
export { Adam, type AdamConfig } from './train/adam.ts';
export { type EpochRecord, type RunHooks, type StepReport, Trainer, type TrainerOptions, type TrainerSnapshot, type TrainerState } from './train/trainer.ts';
export { type GreyImage, normalizationFigure, stack, tile, upscale } from './render/figure.ts';
export { greyGif, interpolate, latentOf, traverse, warpAnimation } from './render/latent.ts';
export { histogramSvg, scatterSvg } from './render/plots.ts';
export { type BackendChoice, type BackendName, NODE_BACKENDS, selectBackend } from './tensors/backend.ts';
