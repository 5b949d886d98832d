import * as tf from '@tensorflow/tfjs-core';
import type { WarpFamily, WarpLatent } from './family.ts';

const theta: WarpLatent = { name: 'θ (radians)', prior: 'rotation', slider: { min: -Math.PI, max: Math.PI, angle: true } };
const shift = (name: string): WarpLatent => ({ name, prior: 'translation', slider: { min: -0.5, max: 0.5 } });
const shape = (name: string): WarpLatent => ({ name, prior: 'unit', slider: { min: -4, max: 4 } });

/**
 * A rotation, a shift, and the digit's own shape: on the grid's rows `g = (y, x)`, the canonical
 * point is `g·R(θ)·S + t`, with `S` the (y, x) form of `y' = (1 + s·p3)·y`,
 * `x' = (1 + s·p4)·x + s·p5·y` (`s` the model's `warpScale`): a stretch along each axis and a slant,
 * all in the canonical frame, after the turn.
 *
 * The order is what moment alignment and the angle search need: turning the input by `φ` turns
 * `g` first, so it changes only `θ`, exactly, whatever the shape; and the shift is added last, so
 * the alignment's centring gives back `t − c·A` with `A = R(θ)·S` (`AffineVAE.alignWarp`).
 */
export const rotationAffineWarp: WarpFamily = {
  name: 'rotation-affine',
  latents: [theta, shift('x shift'), shift('y shift'), shape('y stretch'), shape('x stretch'), shape('slant')],
  angle: 0,
  shift: [1, 2],
  toAffine: (warp, scale) =>
    tf.tidy(() => {
      const b = warp.shape[0];
      const column = (k: number) => tf.slice(warp, [0, k], [b, 1]);
      const [c, sn] = [tf.cos(column(0)), tf.sin(column(0))];
      // R(θ) in (y, x) form is [[c, −sn], [sn, c]]; S = [[m00, m01], [0, m11]].
      const m00 = tf.add(1, tf.mul(column(3), scale));
      const m11 = tf.add(1, tf.mul(column(4), scale));
      const m01 = tf.mul(column(5), scale);
      const a0 = tf.mul(c, m00);
      const a1 = tf.sub(tf.mul(c, m01), tf.mul(sn, m11));
      const a2 = tf.mul(sn, m00);
      const a3 = tf.add(tf.mul(sn, m01), tf.mul(c, m11));
      // (a4, a5) = (ty, tx) = (p2, p1).
      return tf.concat([a0, a1, a2, a3, column(2), column(1)], 1) as tf.Tensor2D;
    }),
};
