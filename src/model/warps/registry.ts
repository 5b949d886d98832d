import { affineWarp } from './affine.ts';
import { noWarp } from './none.ts';
import type { WarpFamily } from './family.ts';
import { rotationTranslationWarp, rotationWarp } from './rotation.ts';
import { rotationAffineWarp } from './rotation-affine.ts';
import { seedWarp } from './seed.ts';

/** The families this package ships, by name: add a new family's line here. */
const FAMILIES = new Map<string, WarpFamily>([seedWarp, affineWarp, rotationWarp, rotationTranslationWarp, rotationAffineWarp, noWarp].map((f) => [f.name, f]));

/** The names of the shipped families; each is also a preset (`PRESETS`). */
export const BUILTIN_WARPS: readonly string[] = [...FAMILIES.keys()];

/** The family called `name`; a clear error for one that is not registered. */
export function warpFamily(name: string): WarpFamily {
  const family = FAMILIES.get(name);
  if (!family) throw new Error(`unknown warp '${name}' (known: ${[...FAMILIES.keys()].join(', ')})`);
  return family;
}

/** Names of every registered family. */
export function warpFamilyNames(): string[] {
  return [...FAMILIES.keys()];
}

/**
 * Makes a family available to models (`ModelConfig.warp = family.name`), for a family defined
 * outside the package. Registering the same object again does nothing; another family under a
 * taken name is refused.
 */
export function registerWarpFamily(family: WarpFamily): void {
  const taken = FAMILIES.get(family.name);
  if (taken === family) return;
  if (taken) throw new Error(`a warp family named '${family.name}' is already registered`);
  if (!/^[a-z][a-z0-9-]*$/.test(family.name)) throw new Error(`warp family name '${family.name}' must be lower-case letters, digits and dashes`);
  if (family.latents.length < 1) throw new Error(`warp family '${family.name}' reads no latents`);
  if (family.angle !== null && !(Number.isInteger(family.angle) && family.angle >= 0 && family.angle < family.latents.length)) {
    throw new Error(`warp family '${family.name}': angle ${family.angle} is not one of its latents`);
  }
  FAMILIES.set(family.name, family);
}

/**
 * The prior's standard deviation of each warp latent of `family`, given the model's priors.
 */
export function warpPriorScales(family: WarpFamily, priors: { rotation: number; translation: number }): number[] {
  return family.latents.map((l) => (l.prior === 'unit' ? 1 : priors[l.prior]));
}
