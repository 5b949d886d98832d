import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError, fromArtifacts, toArtifacts } from '../model/serialize.ts';
import type { AffineVAE } from '../model/vae.ts';
import { UserError, readFileOrFail, writeFileAtomic } from './files.ts';

/**
 * A TF.js IO handler for a model directory: `model.json` (with `weightsManifest`) and
 * `weights.bin`, the layout `tf.io.http` and `tf.io.browserFiles` read. Plain TF.js has no
 * `file://` handler in Node; this is one.
 */
export function modelDirHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      // Weights first: model.json, written last, is what makes the directory a model.
      writeFileAtomic(join(dir, 'weights.bin'), weights);
      writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson, null, 1));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`model directory ${dir} does not exist`);
      const jsonPath = join(dir, 'model.json');
      if (!existsSync(jsonPath)) throw new UserError(`${dir} is not a model directory: it has no model.json`);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(new TextDecoder().decode(readFileOrFail(jsonPath)));
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw new UserError(`${jsonPath}: corrupt JSON: ${(err as Error).message}`);
      }
      if (!modelJson || !Array.isArray(modelJson.weightsManifest)) throw new UserError(`${jsonPath}: no weightsManifest`);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileOrFail(join(dir, p), 'weights file')));
        const data = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.slice().buffer as ArrayBuffer));
        return [specs, data];
      });
    },
  };
}

/** Saves a model as `model.json` + `weights.bin` in `dir`. */
export async function saveModelDir(model: AffineVAE, dir: string, metadata: Record<string, unknown> = {}): Promise<void> {
  await modelDirHandler(dir).save!(await toArtifacts(model, metadata));
}

/** Loads a model directory; a missing, corrupt or foreign one is a {@link UserError} that says why. */
export async function loadModelDir(dir: string): Promise<AffineVAE> {
  const artifacts = await modelDirHandler(dir).load!();
  try {
    return fromArtifacts(artifacts, dir);
  } catch (err) {
    if (err instanceof ModelFormatError) throw new UserError(err.message);
    throw err;
  }
}
