import type * as tf from '@tensorflow/tfjs-core';

/**
 * What one warp latent means: its label, which prior it has, and whether the web page offers it
 * as a slider (and over what range).
 */
export interface WarpLatent {
  /** A label for plots and sliders; null for a latent the warp ignores (the seed warp's p2, p5). */
  name: string | null;
  /**
   * Its prior's standard deviation: `unit` (1, like the content), or the model's `rotation` (σθ)
   * or `translation` (σt) prior (`ModelConfig.priors`).
   */
  prior: 'unit' | 'rotation' | 'translation';
  /** The slider the web page shows for it (`angle`: radians, labelled in degrees), or null. */
  slider: { min: number; max: number; angle?: boolean } | null;
}

/**
 * A warp family: how the warp latents `p` (`B × latents.length`) become the per-image affine map
 * that the decoder consumes (`B × 6`, `[y', x'] = [y, x] @ [[a0, a1], [a2, a3]] + [a4, a5]`, see
 * `model/warp.ts`). Autograd carries the gradient from the map back to `p`.
 *
 * Adding a family is one file exporting one of these and one line in `model/warps/registry.ts`
 * (or a call to `registerWarpFamily` from outside the package).
 */
export interface WarpFamily {
  /** The name saved in `ModelConfig.warp` and given to `--preset`. */
  readonly name: string;
  /** One entry per warp latent, in order: the family reads `latents.length` of them. */
  readonly latents: readonly WarpLatent[];
  /**
   * The index (among the warp latents) of an angle in radians, which rotation augmentation
   * offsets; null when the family has none.
   */
  readonly angle: number | null;
  /**
   * The indices (among the warp latents) of a shift `(x, y)` in grid units that the affine map
   * adds after the angle's turn, which moment alignment offsets; absent when the family has none.
   */
  readonly shift?: readonly [number, number];
  /**
   * The affine maps, `B × 6`, of warp latents `B × latents.length`.
   * @param scale the model's `warpScale` (the `s` of the linear families; others may ignore it).
   */
  toAffine(warp: tf.Tensor2D, scale: number): tf.Tensor2D;
}
