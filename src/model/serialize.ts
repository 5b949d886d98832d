import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, upgradeModelConfig, validateModelConfig } from './config.ts';
import { AffineVAE, type ModelOptions, weightShapes } from './vae.ts';

/** The `format` field of our `model.json`. */
export const MODEL_FORMAT = 'affine-vae';
/** Version of the saved layout; bumped when it changes incompatibly. */
export const MODEL_FORMAT_VERSION = 1;

/** Raised when saved artifacts are not a model this package can read; says why. */
export class ModelFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: not a usable affine-vae model: ${problem}`);
    this.name = 'ModelFormatError';
  }
}

/**
 * The model as standard TF.js artifacts: the config in `modelTopology`, the weights by name
 * (`encoder/dense1/kernel`, …) in one binary blob described by `weightSpecs`.
 */
export async function toArtifacts(model: AffineVAE, metadata: Record<string, unknown> = {}): Promise<tf.io.ModelArtifacts> {
  const { data, specs } = await tf.io.encodeWeights(model.namedWeights());
  return {
    format: MODEL_FORMAT,
    generatedBy: `affine-vae format ${MODEL_FORMAT_VERSION}`,
    modelTopology: { class_name: 'AffineVAE', format_version: MODEL_FORMAT_VERSION, config: model.config as unknown as tf.io.ModelJSON['modelTopology'] },
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: metadata as Record<string, {}>,
  };
}

/** The config stored in artifacts, checked. */
export function configOf(artifacts: tf.io.ModelArtifacts, source = 'model'): ModelConfig {
  if (artifacts.format !== MODEL_FORMAT) throw new ModelFormatError(source, `format is '${artifacts.format}', expected '${MODEL_FORMAT}'`);
  const topology = artifacts.modelTopology as { class_name?: string; format_version?: number; config?: ModelConfig } | undefined;
  if (!topology || topology.class_name !== 'AffineVAE' || !topology.config) throw new ModelFormatError(source, 'modelTopology does not describe an AffineVAE');
  if (topology.format_version !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(source, `format version ${topology.format_version}, this package reads ${MODEL_FORMAT_VERSION}`);
  }
  const config = upgradeModelConfig(topology.config);
  try {
    validateModelConfig(config);
  } catch (err) {
    throw new ModelFormatError(source, `bad config: ${(err as Error).message}`);
  }
  return config;
}

/**
 * Checks a manifest's weight specs against what the config builds, before anything is
 * allocated: every weight present once, float32, with the config's shape. Returns the bytes the
 * weights take.
 */
export function checkWeightSpecs(config: ModelConfig, specs: readonly tf.io.WeightsManifestEntry[], source = 'model'): number {
  const expected = new Map<string, number[]>(weightShapes(config));
  const seen = new Set<string>();
  let bytes = 0;
  for (const spec of specs) {
    const name = String(spec?.name);
    const shape = expected.get(name);
    if (!shape) throw new ModelFormatError(source, `the manifest has a weight '${name}' that the config does not build`);
    if (seen.has(name)) throw new ModelFormatError(source, `the manifest lists weight '${name}' twice`);
    seen.add(name);
    if ((spec.dtype ?? 'float32') !== 'float32') throw new ModelFormatError(source, `weight '${name}' is ${spec.dtype}, expected float32`);
    if (spec.quantization) throw new ModelFormatError(source, `weight '${name}' is quantized, which this package does not read`);
    if (!Array.isArray(spec.shape) || !tf.util.arraysEqual(spec.shape, shape)) {
      throw new ModelFormatError(source, `weight '${name}' has shape [${spec.shape}], the config builds [${shape}]`);
    }
    bytes += 4 * shape.reduce((a, b) => a * b, 1);
  }
  const missing = [...expected.keys()].filter((n) => !seen.has(n));
  if (missing.length) throw new ModelFormatError(source, `the manifest lacks weight '${missing[0]}'${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}`);
  return bytes;
}

/** The index of the first NaN or infinity in `values`, or −1. */
export function firstNonFinite(values: Float32Array, from = 0, to = values.length): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Builds a model from artifacts (from any `tf.io` handler: files, http, memory).
 * @param options the engine to run it on (its seed is unused: the weights are loaded).
 */
export function fromArtifacts(artifacts: tf.io.ModelArtifacts, source = 'model', options: Omit<ModelOptions, 'seed'> = {}): AffineVAE {
  const config = configOf(artifacts, source);
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new ModelFormatError(source, 'no weights');
  const expected = checkWeightSpecs(config, artifacts.weightSpecs, source);
  const bytes = tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
  if (bytes.byteLength !== expected) {
    throw new ModelFormatError(source, `weights hold ${bytes.byteLength} bytes, the manifest describes ${expected}`);
  }
  // A model with NaN or infinite weights would load and "normalize" into garbage.
  const values = new Float32Array(bytes);
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const i = firstNonFinite(values, offset, offset + n);
    if (i >= 0) throw new ModelFormatError(source, `weight '${spec.name}' holds a non-finite value (${values[i]}) at index ${i - offset}`);
    offset += n;
  }
  const weights = tf.io.decodeWeights(bytes, artifacts.weightSpecs);
  const model = new AffineVAE(config, options);
  try {
    model.setNamedWeights(weights);
  } catch (err) {
    model.dispose();
    throw new ModelFormatError(source, (err as Error).message);
  } finally {
    tf.dispose(Object.values(weights));
  }
  return model;
}

/** Loads a model through any TF.js IO handler, e.g. `tf.io.http('/models/mnist-seed/model.json')`. */
export async function loadModel(handler: tf.io.IOHandler, source = 'model', options: Omit<ModelOptions, 'seed'> = {}): Promise<AffineVAE> {
  if (!handler.load) throw new ModelFormatError(source, 'the handler cannot load');
  return fromArtifacts(await handler.load(), source, options);
}
