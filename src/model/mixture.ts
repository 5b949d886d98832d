import * as tf from '@tensorflow/tfjs-core';
import { kMeans } from './kmeans.ts';
import type { Rng } from './rng.ts';
import { valuesOf } from '../tensors/read.ts';

/**
 * A Gaussian-mixture prior on the content latents, as in VaDE (Jiang et al. 2017):
 * `p(c) = π_c = softmax(logits)_c`, `p(z | c) = N(μ_c, diag σ_c²)`. The standard normal prior
 * pulls every content code towards one blob, which k-means then cuts arbitrarily; a mixture lets
 * the codes gather into `K` groups, and the KL pulls each code towards the group it is read into.
 *
 * The KL term is VaDE's: with `γ = q(c | x) = p(c | z)` read at the sampled code `z`,
 * `KL = Σ_c γ_c KL(N(m, s²) ‖ N(μ_c, σ_c²)) + Σ_c γ_c log(γ_c / π_c)`,
 * the KL of `q(z, c | x) = q(z | x) γ_c` from `p(z, c)`, an upper bound on `KL(q(z|x) ‖ p(z))`.
 * With one component at `μ = 0`, `σ = 1` it is the standard normal prior's KL.
 */
export class MixturePrior {
  /** `K × D` component means. */
  readonly means: tf.Variable<tf.Rank.R2>;
  /** `K × D` log standard deviations. */
  readonly logScales: tf.Variable<tf.Rank.R2>;
  /** `K` unnormalized log weights. */
  readonly logits: tf.Variable<tf.Rank.R1>;

  /**
   * A mixture of `components` Gaussians over `dims` latents: means drawn from `N(0, 1)` by `rng`,
   * unit scales and equal weights, until {@link fit} places them on data.
   */
  constructor(
    readonly components: number,
    readonly dims: number,
    rng: Rng,
  ) {
    const means = Float32Array.from({ length: components * dims }, () => rng.normal());
    const serial = nextSerial++;
    this.means = tf.variable(tf.tensor2d(means, [components, dims]), true, `prior/means#${serial}`);
    this.logScales = tf.variable(tf.zeros([components, dims]), true, `prior/logScales#${serial}`);
    this.logits = tf.variable(tf.zeros([components]), true, `prior/logits#${serial}`);
  }

  /** The saved names and shapes of a mixture's weights. */
  static shapes(components: number, dims: number): [string, number[]][] {
    return [
      ['prior/means', [components, dims]],
      ['prior/logScales', [components, dims]],
      ['prior/logits', [components]],
    ];
  }

  get variables(): tf.Variable[] {
    return [this.means, this.logScales, this.logits];
  }

  /** The parameters under their saved names. */
  named(): [string, tf.Variable][] {
    return [['prior/means', this.means], ['prior/logScales', this.logScales], ['prior/logits', this.logits]];
  }

  /** `log π_c + log N(z; μ_c, σ_c²)` for every code and component: `B × K`. */
  logJoint(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const diff = tf.sub(tf.expandDims(z, 1), tf.expandDims(this.means, 0)); // B × K × D
      const quad = tf.div(tf.square(diff), tf.mul(tf.exp(tf.mul(this.logScales, 2)), 2));
      const logNormal = tf.neg(tf.add(tf.sum(quad, 2), tf.sum(tf.add(this.logScales, 0.5 * Math.log(2 * Math.PI)), 1))); // B × K
      return tf.add(logNormal, tf.logSoftmax(this.logits)) as tf.Tensor2D;
    });
  }

  /**
   * VaDE's KL of the posterior `N(mean, sigma²)` with its code `z` (all `B × D`) from the
   * mixture, per image: `B`.
   */
  kl(mean: tf.Tensor2D, sigma: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const gamma = tf.softmax(this.logJoint(z)); // B × K
      const scale2 = tf.exp(tf.mul(this.logScales, 2)); // K × D
      const m = tf.expandDims(mean, 1); // B × 1 × D
      const s2 = tf.expandDims(tf.square(sigma), 1);
      // KL(N(m, s²) ‖ N(μ_c, σ_c²)) per dimension: log σ_c − log s + (s² + (m − μ_c)²)/(2σ_c²) − ½.
      const quad = tf.div(tf.add(s2, tf.square(tf.sub(m, tf.expandDims(this.means, 0)))), tf.mul(scale2, 2));
      const perDim = tf.sub(tf.add(tf.sub(this.logScales, tf.log(tf.expandDims(sigma, 1))), quad), 0.5);
      const gaussian = tf.sum(tf.mul(gamma, tf.sum(perDim, 2)), 1);
      const categorical = tf.sum(tf.mul(gamma, tf.sub(tf.log(tf.add(gamma, 1e-10)), tf.logSoftmax(this.logits))), 1);
      return tf.add(gaussian, categorical) as tf.Tensor1D;
    });
  }

  /**
   * The clustering term: minus the mutual information between an image and its component,
   * estimated over the `B × D` codes `z` given (IMSAT, Hu et al. 2017):
   * `mean_i H(γ_i) − H(mean_i γ_i)`, with `γ_i = p(c | z_i)`, in nats. The first part asks each
   * code to sit well inside one component, the second that the components share the codes
   * evenly. The KL alone lets one component swallow two digits that touch (4 and 9) while another
   * holds a small mixed group; the balance part is what splits them.
   * @param balance weighs the second part against the first (IMSAT's μ; 1: the information itself).
   */
  negInformation(z: tf.Tensor2D, balance = 1): tf.Scalar {
    return tf.tidy(() => {
      const logGamma = tf.logSoftmax(this.logJoint(z)); // B × K
      const gamma = tf.exp(logGamma);
      const conditional = tf.neg(tf.mean(tf.sum(tf.mul(gamma, logGamma), 1)));
      const marginal = tf.mean(gamma, 0); // K
      const evenness = tf.neg(tf.sum(tf.mul(marginal, tf.log(tf.add(marginal, 1e-10)))));
      return tf.sub(conditional, tf.mul(evenness, balance)) as tf.Scalar;
    });
  }

  /** The most likely component of each `n × D` code (row-major). */
  assign(codes: Float32Array): Int32Array {
    const n = codes.length / this.dims;
    const joint = valuesOf(() => this.logJoint(tf.tensor2d(codes, [n, this.dims])));
    const k = this.components;
    return Int32Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (joint[i * k + c] > joint[i * k + best]) best = c;
      return best;
    });
  }

  /**
   * Each latent's scale within a component, as a root mean square over the components (`D`).
   * A learned mixture leaves the latents without fixed units: scaling a latent, its posterior, the
   * prior along it and (inversely) the decoder's weights on it gives the same model and the same
   * KL. k-means assumes round clusters, so it reads the content best in these units, where each
   * latent spreads about 1 within a component.
   */
  unitScales(): Float32Array {
    const [k, d] = [this.components, this.dims];
    const logScales = this.logScales.dataSync();
    return Float32Array.from({ length: d }, (_, j) => {
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(2 * logScales[c * d + j]);
      return Math.sqrt(sum / k);
    });
  }

  /** `n × D` codes (row-major) in the prior's units: each latent over its {@link unitScales}. */
  inUnits(codes: Float32Array): Float32Array {
    const scales = this.unitScales();
    return codes.map((v, i) => v / scales[i % this.dims]);
  }

  /**
   * Places the components on `n × D` codes (row-major): k-means' centres as the means, each
   * cluster's spread per dimension as the scales (at least `minScale`), its share as the weight.
   * VaDE starts the same way, from a pretrained autoencoder's codes.
   */
  fit(codes: Float32Array, rng: Rng, minScale = 0.05): void {
    const d = this.dims;
    const k = this.components;
    const { assignment, centres } = kMeans(codes, d, k, rng, 4);
    const sq = new Float64Array(k * d);
    const counts = new Float64Array(k);
    assignment.forEach((c, i) => {
      counts[c]++;
      for (let j = 0; j < d; j++) sq[c * d + j] += (codes[i * d + j] - centres[c * d + j]) ** 2;
    });
    const logScales = Float32Array.from(sq, (s, i) => Math.log(Math.max(minScale, Math.sqrt(s / Math.max(1, counts[Math.floor(i / d)])))));
    const logits = Float32Array.from(counts, (c) => Math.log(Math.max(1, c) / assignment.length));
    tf.tidy(() => {
      this.means.assign(tf.tensor2d(centres, [k, d]));
      this.logScales.assign(tf.tensor2d(logScales, [k, d]));
      this.logits.assign(tf.tensor1d(logits));
    });
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}

let nextSerial = 0;
