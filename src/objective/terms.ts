import * as tf from '@tensorflow/tfjs-core';
import type { LossConfig } from '../model/config.ts';

/**
 * The loss terms. Each returns a *sum* over the images it is given, divided by the normalizer
 * of the whole batch, so a batch can be split into chunks whose losses and gradients add up to
 * the batch's exactly.
 */

/** The loss terms of a batch (or of a chunk of it), as scalars. */
export type LossParts = {
  /** Mean squared error over all values (pixels × channels) of the batch (a metric, whatever the likelihood). */
  mse: tf.Scalar;
  /** The reconstruction term as it enters the loss (before its weight), per `likelihood`. */
  reconstruction: tf.Scalar;
  /** The KL term as it enters the loss (before its weight), scaled per `klScaling`. */
  kl: tf.Scalar;
  /** KL in nats, summed over latents, averaged over images: the ELBO's KL. */
  klNats: tf.Scalar;
  /**
   * The clustering term (`MixturePrior.negInformation`) in nats, over the chunk, times the
   * chunk's share of the batch; 0 without a mixture prior or a clustering weight.
   */
  cluster: tf.Scalar;
  /**
   * The consistency term (`consistencySum` in `consistency.ts`) in nats, summed over the chunk and divided by
   * the batch size; 0 unless the trainer perturbs the images.
   */
  consistency: tf.Scalar;
  /** Sparse categorical cross-entropy, mean over the batch. */
  crossEntropy: tf.Scalar;
  /** `crossEntropy·w_ce + reconstruction·w_mse + kl·w_kl + cluster·w_cluster + consistency·w_consistency` (or the KL weighted per latent). */
  total: tf.Scalar;
  /** Number of correct class predictions (a count, not a fraction). */
  correct: tf.Scalar;
};

/**
 * KL of `N(μ, σ²)`, `σ = scale + ε`, from the prior `N(0, ρ²)`, per element:
 * `log(ρ/σ) + (σ² + μ²)/(2ρ²) − 1/2` (with `ρ = 1`: `−log σ + (σ² + μ²)/2 − 1/2`).
 * @param prior `ρ` per latent (length L); all 1 when omitted.
 * @returns `B × L`.
 */
export function klElements(mean: tf.Tensor2D, scale: tf.Tensor2D, scaleEpsilon: number, prior?: Float32Array): tf.Tensor2D {
  return tf.tidy(() => {
    const sigma = tf.add(scale, scaleEpsilon);
    const rho = prior ? tf.tensor1d(prior) : tf.onesLike(tf.slice(mean, [0, 0], [1, mean.shape[1]]));
    const quad = tf.div(tf.add(tf.square(sigma), tf.square(mean)), tf.mul(tf.square(rho), 2));
    return tf.sub(tf.add(tf.log(tf.div(rho, sigma)), quad), 0.5);
  });
}

/**
 * The divisor that turns `sum(KL)` over a batch of `batch` images with `latent` dims into the
 * loss's KL term. `seed` reproduces the original's double division, `(batch·latent)²`.
 */
export function klDivisor(scaling: LossConfig['klScaling'], batch: number, latent: number): number {
  switch (scaling) {
    case 'seed':
      return (batch * latent) ** 2;
    case 'mean':
      return batch * latent;
    case 'per-image':
      return batch;
  }
}

/**
 * All loss terms for a chunk of a batch.
 * @param image the chunk's summed reconstruction error: `loss` (`Σ (y − t)²`, or `Σ BCE` for the
 *   `bce` likelihood) and `sse` (`Σ (y − t)²`, for the MSE metric).
 * @param pixels pixels per image (scored ones, when subsampling).
 * @param logits `n × classes` predictor logits (the softmax is folded into the cross-entropy).
 * @param labels `n` class labels.
 * @param batch the size of the whole batch the chunk belongs to.
 * @param o.prior the prior's standard deviation per latent (default 1).
 * @param o.imagePixels pixels per whole image (default `pixels`): where fewer are scored, the summed
 *   likelihoods (`bce`, `gaussian`) are scaled up by `imagePixels / pixels`, so that the estimate
 *   of the whole image's term is unbiased and its balance with the KL is kept (`mse` is a mean).
 * @param o.channels values per pixel: every likelihood sums over them (for `mse`, the per-channel
 *   means are added), so a colour image weighs against the KL as its channels' sum; the `mse`
 *   metric stays a mean over all values.
 * @param o.klWeights the KL weight per latent (default `config.kl` for every one): the total then
 *   holds `Σ w_l·KL_l / divisor` in place of `kl·w_kl`.
 * @param o.contentKl where the content has a mixture prior: each image's KL of its first
 *   `contentDims` latents (`n`), which replaces theirs from the normal prior. It weighs as the
 *   first latent's KL does.
 * @param o.cluster the chunk's clustering term, already scaled to its share of the batch; it
 *   weighs `config.cluster` (absent: 0).
 * @param o.consistency the chunk's consistency term, already divided by the batch size; it weighs
 *   `config.consistency` (absent: 0).
 */
export function lossParts(
  config: LossConfig,
  image: { loss: tf.Scalar; sse: tf.Scalar },
  pixels: number,
  mean: tf.Tensor2D,
  scale: tf.Tensor2D,
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  batch: number,
  o: { prior?: Float32Array; imagePixels?: number; channels?: number; klWeights?: Float32Array; contentKl?: { perImage: tf.Tensor1D; contentDims: number }; cluster?: tf.Scalar; consistency?: tf.Scalar } = {},
): LossParts {
  const { prior, imagePixels = pixels, channels = 1, klWeights, contentKl } = o;
  const clusterWeight = config.cluster ?? 0;
  const consistencyWeight = config.consistency ?? 0;
  return tf.tidy(() => {
    const latent = mean.shape[1];
    // `image.loss` carries the gradient (`Σ (y − t)²`, or `Σ BCE` for bce); `image.sse` is for the metric.
    const mse = tf.div(image.sse, batch * pixels * channels) as tf.Scalar;
    const scored = pixels / imagePixels;
    const divisor = { mse: batch * pixels, gaussian: 2 * config.sigma ** 2 * batch * scored, bce: batch * scored }[config.likelihood];
    const reconstruction = tf.div(image.loss, divisor) as tf.Scalar;
    let klEach = klElements(mean, scale, config.scaleEpsilon, prior);
    let weights = klWeights;
    if (contentKl) {
      // The content's KL is the mixture's, one column per image in place of the content's
      // columns; the warp latents keep their normal priors.
      const zc = contentKl.contentDims;
      klEach = tf.concat([tf.reshape(contentKl.perImage, [-1, 1]), tf.slice(klEach, [0, zc], [-1, latent - zc])], 1);
      weights = klWeights && Float32Array.from([klWeights[0], ...klWeights.subarray(zc)]);
    }
    const klSum = tf.sum(klEach);
    const klDiv = klDivisor(config.klScaling, batch, latent);
    const kl = tf.div(klSum, klDiv) as tf.Scalar;
    const weightedKl = weights ? tf.div(tf.sum(tf.mul(klEach, tf.tensor1d(weights))), klDiv) : tf.mul(kl, config.kl);
    const klNats = tf.div(klSum, batch) as tf.Scalar;
    const cluster = o.cluster ?? tf.scalar(0);
    const consistency = o.consistency ?? tf.scalar(0);
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), 1);
    const crossEntropy = tf.div(tf.neg(tf.sum(picked)), batch) as tf.Scalar;
    const total = tf.addN([
      tf.mul(crossEntropy, config.crossEntropy),
      tf.mul(reconstruction, config.mse),
      weightedKl,
      tf.mul(cluster, clusterWeight),
      tf.mul(consistency, consistencyWeight),
    ]) as tf.Scalar;
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
    return { mse, reconstruction, kl, klNats, cluster, consistency, crossEntropy, total, correct };
  });
}
