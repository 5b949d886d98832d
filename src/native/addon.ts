import { existsSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type NativeKernel, type NativeRunArgs, type NativeRunResult, contractMismatch } from './contract.ts';

export type { NativeKernel, NativeRunArgs, NativeRunResult } from './contract.ts';

/** The compiled addon (native/decoder.c). */
export interface NativeAddon {
  run(args: NativeRunArgs): NativeRunResult;
  /** The variants this CPU runs, the one `run` uses by default first. */
  kernels(): NativeKernel[];
  /** GFLOP/s of an FMA-only loop on `threads` threads: this machine's FP32 peak. */
  fmaPeak(threads: number, iterations: number): number;
  maxThreads(): number;
  /** The addon's table of what `run` takes and returns (see `NATIVE_CONTRACT`). */
  contract(): unknown;
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
    const mismatch = typeof addon.contract === 'function' ? contractMismatch(addon.contract()) : 'it has no contract() (an older build: npm run build:native rebuilds it)';
    if (mismatch) return (cached = none(`${path} does not fit: ${mismatch}`));
    return (cached = { addon, source: path.includes(`${sep}prebuilds${sep}`) ? 'prebuilt' : 'built', reason: null });
  } catch (err) {
    return (cached = none(`${path} failed to load: ${(err as Error).message.split('\n')[0]}`));
  }
}

/** All cores. */
export function defaultThreads(): number {
  return availableParallelism();
}
