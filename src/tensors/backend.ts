import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** Backends this package knows how to start. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';

/** What {@link selectBackend} chose, and why the faster ones were passed over. */
export interface BackendChoice {
  name: string;
  skipped: { name: string; reason: string }[];
}

const LOADERS: Record<BackendName, () => Promise<unknown>> = {
  // tfjs-node is optional: used when the user has installed it, never required. The name is
  // built at run time so that bundlers (Vite, esbuild) do not try to resolve it.
  tensorflow: () => import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/')),
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  cpu: async () => undefined,
  webgl: () => import(/* @vite-ignore */ '@tensorflow/' + 'tfjs-backend-webgl'),
  webgpu: () => import(/* @vite-ignore */ '@tensorflow/' + 'tfjs-backend-webgpu'),
};

/** The default order in Node: native TensorFlow, then WASM, then plain JavaScript. */
export const NODE_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** How {@link selectBackend} loads and screens backends, where the defaults do not fit. */
export interface BackendOptions {
  /**
   * How to load a backend's module, by name (default: a dynamic import of its package). A page
   * whose bundle already holds its backends passes loaders that do nothing.
   */
  loaders?: Partial<Record<BackendName, () => Promise<unknown>>>;
  /** A reason to pass a backend over without trying it (not applied to a forced one), or null. */
  passOver?: (name: BackendName) => string | null;
}

/**
 * Starts the first backend of `order` that loads and initializes: the one place, for Node and
 * the browser alike, that picks a TF.js backend and says why the faster ones were passed over.
 * @param forced use exactly this backend (an error when it cannot start).
 */
export async function selectBackend(order: readonly BackendName[] = NODE_BACKENDS, forced?: string, options: BackendOptions = {}): Promise<BackendChoice> {
  const candidates = forced ? [forced as BackendName] : order;
  const skipped: BackendChoice['skipped'] = [];
  for (const name of candidates) {
    const loader = options.loaders?.[name] ?? LOADERS[name];
    if (!loader) throw new Error(`unknown backend '${name}' (known: ${Object.keys(LOADERS).join(', ')})`);
    const reason = forced ? null : (options.passOver?.(name) ?? null);
    if (reason) {
      skipped.push({ name, reason });
      continue;
    }
    try {
      await loader();
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, skipped };
      }
      skipped.push({ name, reason: 'failed to initialize' });
    } catch (err) {
      skipped.push({ name, reason: firstLine(err) });
    }
    if (forced) throw new Error(`backend '${name}' is not available: ${skipped.at(-1)?.reason}`);
  }
  throw new Error(`no TF.js backend could start: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}
