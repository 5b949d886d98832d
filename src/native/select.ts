import { setDecoderEngine, tfjsEngine } from '../model/engine.ts';
import { type NativeKernel, defaultThreads, loadNativeAddon } from './addon.ts';
import { nativeEngine } from './engine.ts';

/** What {@link useEngine} chose. */
export interface EngineChoice {
  name: 'native' | 'tfjs';
  threads: number;
  /** For the native engine: its compiled variant, and whether the binary was prebuilt or built here. */
  native?: { kernel: NativeKernel; source: 'built' | 'prebuilt' };
  /** Why the native engine is not in use, when it was wanted but unavailable. */
  warning: string | null;
}

/**
 * Sets the decoder engine: native when the addon has loaded (or when `forced`), else TF.js.
 * @param forced 'native' fails when the addon is unavailable; 'tfjs' never uses it.
 */
export function useEngine(forced?: 'native' | 'tfjs', threads = defaultThreads()): EngineChoice {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  if (forced === 'tfjs') {
    setDecoderEngine(tfjsEngine);
    return { name: 'tfjs', threads: 1, warning: null };
  }
  const { addon, reason, source } = loadNativeAddon();
  if (!addon) {
    if (forced === 'native') throw new Error(`the native engine is unavailable: ${reason}`);
    setDecoderEngine(tfjsEngine);
    return { name: 'tfjs', threads: 1, warning: `native engine unavailable (${reason}); using the TF.js decoder` };
  }
  const engine = nativeEngine(addon, threads);
  setDecoderEngine(engine);
  return { name: 'native', threads, native: { kernel: engine.kernel, source: source! }, warning: null };
}
