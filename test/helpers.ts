import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModelConfig, type ModelConfig } from '../src/model/config.ts';
import { selectBackend } from '../src/tensors/backend.ts';
import { registerGradients } from '../src/train/gradients.ts';

/** Every test file runs on wasm, the default backend in Node. */
export async function useBackend(): Promise<void> {
  registerGradients();
  await selectBackend(['wasm', 'cpu']);
}

/** A seed-preset model, shrunk for tests. */
export function tinyConfig(hidden = 16, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return { ...buildModelConfig('seed', { hidden }), ...overrides };
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'affine-vae-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Max |a - b| over two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Random uint8 images for tests that need no real digits. */
export function noiseImages(n: number, pixels: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n * pixels);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export { tf };
