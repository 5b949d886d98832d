import * as tf from '@tensorflow/tfjs-core';
import type { WarpFamily, WarpLatent } from './family.ts';

const onCircle = (name: string): WarpLatent => ({ name, prior: 'unit', slider: { min: -2, max: 2 } });
const shift = (name: string): WarpLatent => ({ name, prior: 'translation', slider: { min: -0.5, max: 0.5 } });

/**
 * A rotation read as a point on the circle, then a shift: `θ = atan2(p1, p0)`, and
 * `(x', y')ᵀ = R(θ)·(x, y)ᵀ + (p2, p3)`.
 *
 * The angle has no seam: a digit turned by 179° and one turned by −179° read nearby points,
 * where a single angle latent must jump by 2π between them. With the unit normal prior on
 * `(p0, p1)`, the prior's angle is uniform over the circle, and a posterior `N(μ, σ²)` in the
 * plane gives a projected normal on it, as tight as `|μ|/σ` is large: a reparameterizable
 * stand-in for a von Mises posterior. Turning the input moves the point around the circle, not
 * one latent, so the family has no angle latent for augmentation, the angle search or moment
 * alignment to offset.
 */
export const circleTranslationWarp: WarpFamily = {
  name: 'circle-translation',
  latents: [onCircle('θ on the circle, cos part'), onCircle('θ on the circle, sin part'), shift('x shift'), shift('y shift')],
  angle: null,
  shift: [2, 3],
  toAffine: (warp) =>
    tf.tidy(() => {
      const b = warp.shape[0];
      const column = (k: number) => tf.slice(warp, [0, k], [b, 1]);
      const angle = tf.atan2(column(1), column(0));
      const [c, s] = [tf.cos(angle), tf.sin(angle)];
      // As `rotation-translation`: R(θ) in (y, x) form, then (a4, a5) = (ty, tx) = (p3, p2).
      return tf.concat([c, tf.neg(s), s, c, column(3), column(2)], 1) as tf.Tensor2D;
    }),
};
