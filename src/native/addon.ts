import { existsSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
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
  /** The compiled variant to run, one of {@link NativeAddon.kernels} (default: the first). */
  kernel?: NativeKernel;
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

/**
 * The decoder's compiled variants (native/variant.h): `avx2` (AVX2 and FMA) and `generic`
 * (any x86-64 CPU): the same algorithm and the same products' summation order; results agree
 * to float rounding.
 */
export type NativeKernel = 'avx2' | 'generic';

/** The compiled addon (native/decoder.c). */
export interface NativeAddon {
  run(args: NativeRunArgs): NativeRunResult;
  /** The variants this CPU runs, the one `run` uses by default first. */
  kernels(): NativeKernel[];
  /** GFLOP/s of an FMA-only loop on `threads` threads: this machine's FP32 peak. */
  fmaPeak(threads: number, iterations: number): number;
  maxThreads(): number;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Where the install script writes why the addon could not be built. */
export const NATIVE_FAILURE_FILE = `${root}generated/native-unavailable.txt`;

/** The addon, where it came from, or why there is none. */
export interface NativeLoad {
  addon: NativeAddon | null;
  /** The binary that loaded: built from source (build/Release) or prebuilt (prebuilds/). */
  source: 'built' | 'prebuilt' | null;
  /** Why there is no addon. */
  reason: string | null;
}

let cached: NativeLoad | null = null;

/**
 * Loads the addon once, through node-gyp-build: a binary built from source here
 * (build/Release) if there is one, else the prebuilt one for this platform (prebuilds/).
 * When neither loads, says why.
 */
export function loadNativeAddon(): NativeLoad {
  if (cached) return cached;
  const none = (reason: string): NativeLoad => ({ addon: null, source: null, reason });
  if (process.env.AFFINE_VAE_NO_NATIVE) return (cached = none('AFFINE_VAE_NO_NATIVE is set'));
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = (require('node-gyp-build') as { resolve(dir: string): string }).resolve(root);
  } catch (err) {
    // node-gyp-build names what it looked for: "No native build was found for platform=… arch=…".
    const wanted = (err as Error).message.split('\n')[0].replace(/^No native build was found for /, '');
    const built = existsSync(NATIVE_FAILURE_FILE) ? `; ${readFileSync(NATIVE_FAILURE_FILE, 'utf8').trim()}` : '';
    return (cached = none(`no prebuilt binary for this platform (${wanted}) and none built from source${built}; npm run build:native builds one`));
  }
  try {
    const addon = require(path) as NativeAddon;
    return (cached = { addon, source: path.includes(`${sep}prebuilds${sep}`) ? 'prebuilt' : 'built', reason: null });
  } catch (err) {
    return (cached = none(`${path} failed to load: ${(err as Error).message.split('\n')[0]}`));
  }
}

/** All cores. */
export function defaultThreads(): number {
  return availableParallelism();
}
