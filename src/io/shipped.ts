import { fileURLToPath } from 'node:url';

/** The folder of the models that ship with the package (`models/` at its root). */
export const MODELS_ROOT = fileURLToPath(new URL('../../models', import.meta.url));

/** The names of the shipped models. */
export const SHIPPED_MODELS = ['mnist-seed', 'mnist-rot', 'mnist-pose', 'mnist-colour'] as const;

/**
 * The directory of a shipped model, for `loadModelDir`: `mnist-seed` (upright MNIST), `mnist-rot`
 * (turned by up to ±45°), `mnist-pose` (50 × 50 frames, any turn and a shift: MNIST(U)) or
 * `mnist-colour` (RGB: `mnist-colour` digits).
 */
export function shippedModelDir(name: (typeof SHIPPED_MODELS)[number] = 'mnist-seed'): string {
  if (!SHIPPED_MODELS.includes(name)) throw new Error(`no shipped model '${name}' (there are ${SHIPPED_MODELS.join(', ')})`);
  return `${MODELS_ROOT}/${name}`;
}
