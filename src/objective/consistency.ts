import * as tf from '@tensorflow/tfjs-core';
import type { AffineVAE } from '../model/vae.ts';

/**
 * Self-augmented consistency of the component read (IMSAT's VAT regularizer, Hu et al. 2017;
 * virtual adversarial training, Miyato et al. 2018). The clustering term asks each code to sit
 * well inside one component and the components to share the codes evenly; alone, it lets a
 * component boundary run through a dense group (4s split between the 4s' and 9s' components).
 * This term asks the component read, `γ(x) = p(c | content mean of x)`, not to change under the
 * perturbation of `x` of a given size that changes it most, which pushes the boundaries into the
 * gaps between groups. IMSAT's MLP clusters raw MNIST at 98% with it. Alone beside the
 * information term it merges touching groups (the cheapest smooth read); the evenness must be
 * weighed up with it (`clusterBalance`, IMSAT's μ = 4): README, "Full pose".
 */

/** The perturbation that VAT's power iteration starts from is this long (image units, L2). */
export const VAT_PROBE = 0.1;

/** `log γ`: the log-probabilities of a model's mixture components given `x`'s content mean (`n × K`). */
export function logComponents(model: AffineVAE, x: tf.Tensor2D): tf.Tensor2D {
  const prior = model.prior;
  if (!prior) throw new Error('consistency of the component read needs a mixture prior');
  return tf.tidy(() => tf.logSoftmax(prior.logJoint(model.split(model.encode(x).mean).content)) as tf.Tensor2D);
}

/**
 * `Σ_i KL(γ_i ‖ γ(x_i + r_i))` over the rows, with `γ = exp(logTarget)` held fixed (`n × K`).
 * @param x `n × V` images the encoder reads; `r` the same shape.
 */
export function consistencySum(model: AffineVAE, x: tf.Tensor2D, r: tf.Tensor2D, logTarget: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logRead = logComponents(model, tf.add(x, r) as tf.Tensor2D);
    return tf.sum(tf.mul(tf.exp(logTarget), tf.sub(logTarget, logRead))) as tf.Scalar;
  });
}

/** Each row of `t` scaled to length `length` (rows of zeros stay zero). */
function rowsOfLength(t: tf.Tensor2D, length: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(t, tf.div(length, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-12))) as tf.Tensor2D);
}

/**
 * VAT's adversarial perturbation, one power iteration: from the random direction `probe`
 * (`n × V`), the direction in which the component read changes fastest, `∇_r KL(γ(x) ‖ γ(x + r))`
 * at `r = VAT_PROBE·probe/|probe|`, scaled to length `radius` per image. Only the images move:
 * no weight gradient is taken here.
 * @returns the perturbations (`n × V`) and `log γ(x)` (`n × K`), the target the term holds fixed.
 */
export function adversarialPerturbation(model: AffineVAE, x: tf.Tensor2D, probe: tf.Tensor2D, radius: number): { r: tf.Tensor2D; logTarget: tf.Tensor2D } {
  const logTarget = logComponents(model, x);
  const r = tf.tidy(() => {
    const start = rowsOfLength(probe, VAT_PROBE);
    const slope = tf.grad((r: tf.Tensor) => consistencySum(model, x, r as tf.Tensor2D, logTarget))(start) as tf.Tensor2D;
    return rowsOfLength(slope, radius);
  });
  return { r, logTarget };
}
