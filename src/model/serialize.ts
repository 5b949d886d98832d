import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, upgradeModelConfig, validateModelConfig } from './config.ts';
import { AffineVAE } from './vae.ts';

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

/** Builds a model from artifacts (from any `tf.io` handler: files, http, memory). */
export function fromArtifacts(artifacts: tf.io.ModelArtifacts, source = 'model'): AffineVAE {
  const config = configOf(artifacts, source);
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new ModelFormatError(source, 'no weights');
  const expected = artifacts.weightSpecs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const bytes = tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
  if (bytes.byteLength !== expected) {
    throw new ModelFormatError(source, `weights hold ${bytes.byteLength} bytes, the manifest describes ${expected}`);
  }
  const weights = tf.io.decodeWeights(bytes, artifacts.weightSpecs);
  const model = new AffineVAE(config);
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
export async function loadModel(handler: tf.io.IOHandler, source = 'model'): Promise<AffineVAE> {
  if (!handler.load) throw new ModelFormatError(source, 'the handler cannot load');
  return fromArtifacts(await handler.load(), source);
}
