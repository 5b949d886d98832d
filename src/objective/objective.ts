import * as tf from '@tensorflow/tfjs-core';
import type { LossConfig } from '../model/config.ts';
import type { AffineVAE } from '../model/vae.ts';
import { warpFamily, warpPriorScales } from '../model/warps/registry.ts';
import { type LossParts, lossParts } from './terms.ts';
import { channelIndices } from '../model/warp.ts';
import { consistencySum } from './consistency.ts';

/**
 * The training objective in one place: what `Trainer` minimizes and what `evaluateSet` reports.
 * Like spatial-VAE's `eval_minibatch`, it reads top to bottom: encode, sample, apply the training
 * aids to the latent and the target, score the reconstruction, then the KL and the classifier.
 */

/** Options of {@link objective} beyond the minibatch itself. */
export interface ObjectiveOptions {
  /** Whether gradients will be taken (an engine may then compute them eagerly). Default true. */
  training?: boolean;
  /** Multiplies the KL weight (KL warm-up). Default 1. */
  klFactor?: number;
  /** What the decoder must reconstruct, when the encoder sees something else (augmentation). */
  target?: tf.Tensor2D;
  /** Added to the angle latent before decoding (`B`, radians): rotation augmentation. */
  thetaOffset?: tf.Tensor1D;
  /**
   * Where the encoder saw each image centred on these points (`B × 2`, `(x, y)` grid units;
   * moment alignment): the shift latents get them back ({@link AffineVAE.alignWarp}).
   */
  centres?: tf.Tensor2D;
  /** Decode and score only these pixels (the same for the whole chunk): pixel subsampling. */
  pixelIndices?: Int32Array;
  /**
   * The consistency term's perturbations of what the encoder sees (`n × V`) and the component read
   * it must keep (`log γ`, `n × K`): {@link adversarialPerturbation}. Needs a mixture prior.
   */
  perturbation?: { r: tf.Tensor2D; logTarget: tf.Tensor2D };
}

/**
 * The prior's standard deviation per latent: 1 for the content, and what the warp family says
 * for each warp latent (σθ for an angle, σt for a translation, 1 otherwise).
 */
export function priorScales(model: AffineVAE): Float32Array {
  const { contentDims, warp, priors } = model.config;
  return Float32Array.from([...new Array<number>(contentDims).fill(1), ...warpPriorScales(warpFamily(warp), priors)]);
}

/**
 * The KL weight per latent: `kl` for the content, `klWarp` for the warp latents. Undefined where
 * every latent has the same weight.
 */
export function klWeights(loss: LossConfig, contentDims: number, warpDims: number): Float32Array | undefined {
  if (loss.klWarp === undefined || loss.klWarp === loss.kl) return undefined;
  return Float32Array.from([...new Array<number>(contentDims).fill(loss.kl), ...new Array<number>(warpDims).fill(loss.klWarp)]);
}

/**
 * The loss parts of a chunk of a batch of `batch` images (see {@link lossParts}): each is a sum
 * over the chunk divided by the whole batch's normalizer, so chunks add up to the batch exactly.
 * @param x `n × P·C` images the encoder sees, in [0, 1].
 * @param labels `n` class labels.
 * @param eps `n × L` standard normal draws: `z = mean + scale·eps`.
 */
export function objective(model: AffineVAE, x: tf.Tensor2D, labels: tf.Tensor1D, eps: tf.Tensor2D, batch: number, o: ObjectiveOptions = {}): LossParts {
  return tf.tidy(() => {
    const { mean, scale } = model.encode(x);
    const z = tf.add(mean, tf.mul(scale, eps)) as tf.Tensor2D;
    const { content } = model.split(z);
    let { warp } = model.split(z);
    if (o.thetaOffset || o.centres) warp = model.alignWarp(warp, o.thetaOffset ?? tf.zeros([warp.shape[0]]), o.centres ?? null);

    let target = o.target ?? x;
    let grid = model.grid;
    if (o.pixelIndices) {
      const idx = tf.tensor1d(o.pixelIndices, 'int32');
      grid = tf.gather(model.grid, idx);
      target = tf.gather(target, channelIndices(o.pixelIndices, model.channels), 1);
    }
    // The engine's fused reconstruction error: no `n × P` image is kept for it.
    const kind = model.config.loss.likelihood === 'bce' ? 'bce' : 'sse';
    const image = model.engine.imageLoss(model.decoder, content, model.affineOf(warp), grid, target, kind, o.training ?? true);

    // The KL warm-up scales every KL weight.
    const { loss } = model.config;
    const f = o.klFactor ?? 1;
    const config = f === 1 ? loss : { ...loss, kl: loss.kl * f, ...(loss.klWarp === undefined ? {} : { klWarp: loss.klWarp * f }) };
    const zc = model.config.contentDims;
    let contentKl: { perImage: tf.Tensor1D; contentDims: number } | undefined;
    let cluster: tf.Scalar | undefined;
    if (model.prior) {
      const contentMean = model.split(mean).content; // B × zc
      contentKl = { perImage: model.prior.kl(contentMean, tf.add(model.split(scale).content, loss.scaleEpsilon), content), contentDims: zc };
      // The clustering term reads the posterior means, as k-means on the content does. A chunk's
      // balance is its own: with chunks smaller than the batch it is estimated on fewer codes.
      if ((loss.cluster ?? 0) > 0) cluster = tf.mul(model.prior.negInformation(contentMean, loss.clusterBalance ?? 1), x.shape[0] / batch) as tf.Scalar;
    }
    return lossParts(config, image, grid.shape[0], mean, scale, model.predict(z), labels, batch, {
      cluster,
      prior: priorScales(model),
      imagePixels: model.pixels,
      channels: model.channels,
      klWeights: klWeights(config, zc, model.config.warpDims),
      contentKl,
      consistency: o.perturbation && (tf.div(consistencySum(model, x, o.perturbation.r, o.perturbation.logTarget), batch) as tf.Scalar),
    });
  });
}
