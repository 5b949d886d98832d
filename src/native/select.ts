import { type DecoderEngine, tfjsEngine } from '../model/engine.ts';
import { type NativeKernel, defaultThreads, loadNativeAddon } from './addon.ts';
import { nativeEngine } from './engine.ts';

/** What {@link chooseEngine} chose: the engine to pass to models, and how to describe it. */
export interface EngineChoice {
  /** Pass it on: `new AffineVAE(config, { engine })`, `loadModelDir(dir, { engine })`. */
  engine: DecoderEngine;
  name: 'native' | 'tfjs';
  threads: number;
  /** For the native engine: its compiled variant, and whether the binary was prebuilt or built here. */
  native?: { kernel: NativeKernel; source: 'built' | 'prebuilt' };
  /** Why the native engine is not in use, when it was wanted but unavailable. */
  warning: string | null;
}

/**
 * The decoder engine to use: native when the addon has loaded (or when `forced`), else TF.js.
 * Sets nothing: the caller passes `engine` to the models it builds or loads.
 * @param forced 'native' fails when the addon is unavailable; 'tfjs' never uses it.
 */
export function chooseEngine(forced?: 'native' | 'tfjs', threads = defaultThreads()): EngineChoice {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  if (forced === 'tfjs') return { engine: tfjsEngine, name: 'tfjs', threads: 1, warning: null };
  const { addon, reason, source } = loadNativeAddon();
  if (!addon) {
    if (forced === 'native') throw new Error(`the native engine is unavailable: ${reason}`);
    return { engine: tfjsEngine, name: 'tfjs', threads: 1, warning: `native engine unavailable (${reason}); using the TF.js decoder` };
  }
  const engine = nativeEngine(addon, threads);
  return { engine, name: 'native', threads, native: { kernel: engine.kernel, source: source! }, warning: null };
}

/**
 * How the CLI names the engine a model really runs on: `native (avx2, prebuilt, 2 threads)`, or
 * `tfjs` (with the reason when the chosen engine could not run the model).
 */
export function describeEngine(choice: EngineChoice, model: { engine: DecoderEngine; engineFallback: string | null }): string {
  if (model.engine !== choice.engine) return `${model.engine.name} (${model.engineFallback ?? 'not the chosen engine'})`;
  return choice.native ? `native (${choice.native.kernel}, ${choice.native.source}, ${choice.threads} threads)` : choice.name;
}
