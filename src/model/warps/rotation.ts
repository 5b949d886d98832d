import * as tf from '@tensorflow/tfjs-core';
import type { WarpFamily, WarpLatent } from './family.ts';

const theta: WarpLatent = { name: 'θ (radians)', prior: 'rotation', slider: { min: -Math.PI, max: Math.PI, angle: true } };
const shift = (name: string): WarpLatent => ({ name, prior: 'translation', slider: { min: -0.5, max: 0.5 } });

/**
 * `R(θ)` on `(x, y)`, `θ = p0` in radians, followed by the translation `(p1, p2)` when
 * `translate` is set (grid units: the image spans 2).
 */
function rotationAffine(translate: boolean) {
  return (warp: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const b = warp.shape[0];
      const angle = tf.slice(warp, [0, 0], [b, 1]);
      const [c, s] = [tf.cos(angle), tf.sin(angle)];
      // The (y, x) form of R(θ) = [[c, −s], [s, c]] on (x, y): a0 = c, a1 = −s, a2 = s, a3 = c;
      // (a4, a5) = (ty, tx) = (p2, p1).
      const zeros = tf.zeros([b, 1]);
      const t = translate ? [tf.slice(warp, [0, 2], [b, 1]), tf.slice(warp, [0, 1], [b, 1])] : [zeros, zeros];
      return tf.concat([c, tf.neg(s), s, c, ...t], 1) as tf.Tensor2D;
    });
}

/** A pure rotation: `(x', y')ᵀ = R(θ)·(x, y)ᵀ`, with the prior `θ ~ N(0, σθ²)`. */
export const rotationWarp: WarpFamily = { name: 'rotation', latents: [theta], angle: 0, toAffine: rotationAffine(false) };

/** A rotation then a shift: `(x', y')ᵀ = R(θ)·(x, y)ᵀ + t`, with `t ~ N(0, σt²)` per axis. */
export const rotationTranslationWarp: WarpFamily = {
  name: 'rotation-translation',
  latents: [theta, shift('x shift'), shift('y shift')],
  angle: 0,
  shift: [1, 2],
  toAffine: rotationAffine(true),
};
