import * as tf from '@tensorflow/tfjs-core';
import { type AffineVAE, type Pose, type Transform, loadModel } from '../../src/index.ts';

/** A model as `/models/index.json` lists it (see src/web/server.ts). */
export interface ModelInfo {
  name: string;
  url: string;
  preset: string;
  warp: string;
  epochs: number | null;
}

/** The models the server offers; the first is the default. */
export async function listModels(): Promise<ModelInfo[]> {
  const res = await fetch('models/index.json');
  if (!res.ok) throw new Error(`models/index.json: HTTP ${res.status}`);
  return res.json();
}

/** Loads a served model with TF.js' own HTTP handler. */
export function fetchModel(info: ModelInfo): Promise<AffineVAE> {
  return loadModel(tf.io.http(info.url), info.url);
}

/** Everything the page shows for one input digit. */
export interface Analysis {
  /** Posterior mean, content then warp latents. */
  latent: Float32Array;
  reconstruction: Float32Array;
  normalized: Float32Array;
  /** The input's own pixels moved by the inverse pose ({@link AffineVAE.unwarp}). */
  straightened: Float32Array;
  pose: Transform;
}

/**
 * One digit (`H × W × C` floats in [0, 1]) through the model: encoded, then decoded from the
 * posterior mean with the warp on and off, and its own pixels straightened (a few more
 * encodes, cheap beside a decode). It runs on every frame while a stroke is drawn.
 */
export function analyse(model: AffineVAE, x: Float32Array): Analysis {
  const latent = model.posterior(x).mean;
  const z = tf.tensor2d(latent, [1, latent.length]);
  const decoded = (applyWarp: boolean) => {
    const image = model.decode(z, applyWarp);
    const values = image.dataSync() as Float32Array;
    image.dispose();
    return values;
  };
  try {
    return { latent, reconstruction: decoded(true), normalized: decoded(false), straightened: model.unwarp(x), pose: model.poseOf(latent)[0] };
  } finally {
    z.dispose();
  }
}

/**
 * Draws content latents at a pose on a `size × size` grid ({@link AffineVAE.decodeAt}): the
 * coordinate decoder evaluated at every point of a finer grid, a band of rows at a time so the
 * page stays responsive and a newer request can cut an old one short.
 * @returns `size² × C` floats, or null when `stale()` said to stop.
 */
export async function renderPose(model: AffineVAE, content: Float32Array, pose: Pose, size: number, stale: () => boolean): Promise<Float32Array | null> {
  const C = model.channels;
  const out = new Float32Array(size * size * C);
  const rows = Math.max(1, Math.floor(8192 / size));
  for (let row = 0; row < size; row += rows) {
    // A macrotask between bands: without it the page would not see a pointer or slider event
    // until the whole render is done.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (stale()) return null;
    const end = Math.min(size, row + rows);
    out.set(model.decodeAt(content, [pose], size, [row, end]), row * size * C);
  }
  return out;
}
