import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError, checkWeightSpecs, configOf, fromArtifacts, toArtifacts } from '../model/serialize.ts';
import type { AffineVAE, ModelOptions } from '../model/vae.ts';
import { MAX_MODEL_JSON_BYTES, UserError, isPlainFileName, listDirectory, readFileOrFail, realPathInside, regularFileSize, writeFileAtomic } from './files.ts';

/**
 * A TF.js IO handler for a model directory: `model.json` (with `weightsManifest`) and the
 * weights file it names (`weights-HASH.bin`; older models: `weights.bin`), the layout `tf.io.http` and `tf.io.browserFiles` read. Plain TF.js has no
 * `file://` handler in Node; this is one.
 */
export function modelDirHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
      // The weights file is named by its content, so a new one never replaces the old one's
      // bytes: model.json, replaced last and atomically, names either the old file or the new,
      // and a kill at any point leaves one whole model. Files it no longer names go after.
      const weightsName = `weights-${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      writeFileAtomic(join(dir, weightsName), weights);
      writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson, null, 1));
      for (const name of listDirectory(dir)) {
        if (name !== weightsName && /^weights(-[0-9a-f]{16})?\.bin$/.test(name)) rmSync(join(dir, name), { force: true });
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`model directory ${dir} does not exist`);
      const jsonPath = join(dir, 'model.json');
      if (!existsSync(jsonPath)) throw new UserError(`${dir} is not a model directory: it has no model.json`);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(new TextDecoder().decode(readFileOrFail(jsonPath, 'model file', MAX_MODEL_JSON_BYTES)));
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw new UserError(`${jsonPath}: corrupt JSON: ${(err as Error).message}`);
      }
      if (!modelJson || !Array.isArray(modelJson.weightsManifest)) throw new UserError(`${jsonPath}: no weightsManifest`);
      const manifest = modelJson.weightsManifest;
      // Everything is checked before a weight file is read or a tensor allocated: the config,
      // the manifest's shapes against it, the files' names and sizes.
      let expected: number;
      try {
        const config = configOf({ format: modelJson.format, modelTopology: modelJson.modelTopology }, jsonPath);
        expected = checkWeightSpecs(config, manifest.flatMap((g) => (Array.isArray(g?.weights) ? g.weights : [])), jsonPath);
      } catch (err) {
        if (err instanceof ModelFormatError) throw new UserError(err.message);
        throw err;
      }
      const files = manifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : [])).map((p) => weightFile(dir, jsonPath, p));
      const sizes = files.map((f) => regularFileSize(f, 'weights file'));
      const total = sizes.reduce((a, b) => a + b, 0);
      if (total !== expected) {
        throw new UserError(`${files.length === 1 ? files[0] : dir}: the weights files hold ${total} bytes, ${jsonPath} describes ${expected}`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (groups) => {
        const specs = groups.flatMap((g) => g.weights);
        const buffers = files.map((f) => readFileOrFail(f, 'weights file', expected));
        const data = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.slice().buffer as ArrayBuffer));
        return [specs, data];
      });
    },
  };
}

/**
 * A manifest's weight path, as a file of the model directory: a plain file name (no directory,
 * no `..`, no dotfile) whose real path, links followed, is inside the directory.
 */
function weightFile(dir: string, jsonPath: string, path: unknown): string {
  if (typeof path !== 'string' || !isPlainFileName(path)) {
    throw new UserError(`${jsonPath}: weights path ${JSON.stringify(path)} is not a plain file name in the model directory`);
  }
  const file = join(dir, path);
  let where: { real: string; inside: boolean };
  try {
    where = realPathInside(dir, path);
  } catch {
    throw new UserError(`cannot read weights file ${file}: no such file`);
  }
  if (!where.inside) throw new UserError(`${file}: a link to outside the model directory (${where.real})`);
  return file;
}

/** Saves a model as `model.json` + `weights-HASH.bin` in `dir`, replacing the one there as a whole. */
export async function saveModelDir(model: AffineVAE, dir: string, metadata: Record<string, unknown> = {}): Promise<void> {
  await modelDirHandler(dir).save!(await toArtifacts(model, metadata));
}

/**
 * Loads a model directory; a missing, corrupt or foreign one is a {@link UserError} that says why.
 * @param options the engine to run it on (default: TF.js).
 */
export async function loadModelDir(dir: string, options: Omit<ModelOptions, 'seed'> = {}): Promise<AffineVAE> {
  const artifacts = await modelDirHandler(dir).load!();
  try {
    return fromArtifacts(artifacts, dir, options);
  } catch (err) {
    if (err instanceof ModelFormatError) throw new UserError(err.message);
    throw err;
  }
}
