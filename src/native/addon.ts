import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Arguments of the addon's `run`: sizes, inputs and weights as Float32Arrays (row-major). */
export interface NativeRunArgs {
  B: number;
  P: number;
  Zc: number;
  H1: number;
  H2: number;
  threads: number;
  /** 1 to return gradients (needs `target` or `dimage`). */
  grad: 0 | 1;
  content: Float32Array;
  /** `B × 6` per-image affine maps `[a0..a5]` (see `model/warp.ts`), or null for none. */
  affine: Float32Array | null;
  grid: Float32Array;
  /** With a target, the gradient is that of `Σ (image − target)²`, returned as `sse`. */
  target?: Float32Array | null;
  /** With a target: 1 to take the gradient of `Σ BCE(target, image)` instead of the squared error. */
  bce?: 0 | 1;
  /** Else the incoming gradient `dL/dimage`. */
  dimage?: Float32Array | null;
  W1: Float32Array;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
  W3: Float32Array;
  b3: Float32Array;
}

/** What `run` returns: the image, the squared error (0 without a target), and gradients if asked. */
export interface NativeRunResult {
  image: Float32Array;
  sse: number;
  /** `Σ −(t log y + (1 − t) log(1 − y))`, y clipped to [1e-7, 1 − 1e-7] (0 without a target). */
  bce: number;
  /** Multiply-adds the H1 × H2 products executed: relu zeros are skipped (native/gemm.c). */
  macs: number;
  /** What the dense products would take: `B·P·H1·H2`, three times over with gradients. */
  denseMacs: number;
  dcontent?: Float32Array;
  daffine?: Float32Array;
  dW1?: Float32Array;
  db1?: Float32Array;
  dW2?: Float32Array;
  db2?: Float32Array;
  dW3?: Float32Array;
  db3?: Float32Array;
}

/** The compiled addon (native/decoder.c). */
export interface NativeAddon {
  run(args: NativeRunArgs): NativeRunResult;
  /** GFLOP/s of an FMA-only loop on `threads` threads: this machine's FP32 peak. */
  fmaPeak(threads: number, iterations: number): number;
  maxThreads(): number;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Where `npm ci` writes why the addon could not be built. */
export const NATIVE_FAILURE_FILE = `${root}generated/native-unavailable.txt`;
const ADDON_PATH = `${root}build/Release/affine_vae_native.node`;

let cached: { addon: NativeAddon | null; reason: string | null } | null = null;

/** Loads the addon once; when it is unavailable, says why. */
export function loadNativeAddon(): { addon: NativeAddon | null; reason: string | null } {
  if (cached) return cached;
  if (process.env.AFFINE_VAE_NO_NATIVE) {
    cached = { addon: null, reason: 'AFFINE_VAE_NO_NATIVE is set' };
    return cached;
  }
  if (!existsSync(ADDON_PATH)) {
    const why = existsSync(NATIVE_FAILURE_FILE) ? readFileSync(NATIVE_FAILURE_FILE, 'utf8').trim() : 'it was not built (run npm ci)';
    cached = { addon: null, reason: why };
    return cached;
  }
  try {
    cached = { addon: createRequire(import.meta.url)(ADDON_PATH) as NativeAddon, reason: null };
  } catch (err) {
    cached = { addon: null, reason: `it failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
  return cached;
}

/** All cores. */
export function defaultThreads(): number {
  return availableParallelism();
}
