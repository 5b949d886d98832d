import * as tf from '@tensorflow/tfjs-core';
import { type AlignFrame, type ModelConfig, channelsOf, latentDims, poolTurnsOf, validateModelConfig } from './config.ts';
import { Dense, makeStack, reluStack } from './dense.ts';
import { CoordinateDecoder } from './decoder.ts';
import { type DecoderEngine, tfjsEngine } from './engine.ts';
import { Rng } from './rng.ts';
import { type Mat2, type Pose, type Transform, affineFromPose, decompose, invert, multiply, poseFromAffine } from './transform.ts';
import { channelIndices, gridValues } from './warp.ts';
import type { WarpFamily } from './warps/family.ts';
import { warpFamily } from './warps/registry.ts';
import { valuesOf } from '../tensors/read.ts';
import { halfTurnIndices, quarterTurnIndices, transformImages } from './transform-images.ts';
import { alignImages, inkFrames } from './orientation.ts';
import { MixturePrior } from './mixture.ts';

/**
 * Encoder passes of {@link AffineVAE.unwarp}. On the shipped mnist-seed (1,000 test digits,
 * natural range; `scripts/passes.ts`) the 1-NN accuracy of straightened digits went 0.943,
 * 0.965, 0.969, 0.973 for 1, 2, 4, 6 passes and invariance 0.221, 0.128, 0.088, 0.076: most of
 * the gain is in by 4.
 */
export const UNWARP_PASSES = 4;

/** The encoder's posterior `N(mean, scale²)`, both `B × L`. */
export type Posterior = {
  mean: tf.Tensor2D;
  scale: tf.Tensor2D;
};

/** How a model is built: its initial weights' seed and who runs its decoder. */
export interface ModelOptions {
  /** Seed of the fresh Keras-style initial weights. Default 0. */
  seed?: number;
  /**
   * Who runs the per-pixel decoder (default: {@link tfjsEngine}). An engine that cannot run this
   * model's decoder is replaced by TF.js, and `warn` says why, once.
   */
  engine?: DecoderEngine;
  /** Receives the one line saying why `engine` was replaced. Default: `console.warn`. */
  warn?: (message: string) => void;
  /**
   * Read with this many candidate angles instead of the config's `angleSearch` (0: no search).
   * The weights are the same: more candidates read half turns better and cost a decode each.
   */
  angleSearch?: number;
  /**
   * Read with moment alignment (`true`) in `alignFrame` instead of as the config says: the same
   * weights, read in the frame the ink sets (see `ModelConfig.momentAlign`). For example, a model
   * trained on upright digits reads posed ones with alignment and an angle search.
   */
  momentAlign?: boolean;
  /** The frame of {@link momentAlign} (default: the config's, else `ink`). */
  alignFrame?: AlignFrame;
}

/** Where the latent comes from when decoding: the posterior mean, or a sample. */
export interface DecodeOptions {
  /** Draw `z = mean + scale·eps` instead of using the mean (the original's figure did). */
  sample?: boolean;
  /** The generator for `eps` when sampling. */
  rng?: Rng;
  /** Images per chunk (bounds memory). */
  chunk?: number;
}

/**
 * The affine VAE: an MLP encoder, a latent split into content and warp, a per-pixel coordinate
 * decoder applied to a warped grid, and a classifier head (SEED.md).
 */
export class AffineVAE {
  readonly config: ModelConfig;
  readonly encoderHidden: Dense[];
  readonly encoderMean: Dense;
  readonly encoderScale: Dense;
  readonly decoder: CoordinateDecoder;
  readonly predictorHidden: Dense[];
  readonly predictorOutput: Dense;
  /** The mixture prior on the content (`config.mixture`); null for the standard normal prior. */
  readonly prior: MixturePrior | null;
  /** `P × 2` grid of `(y, x)` points. */
  readonly grid: tf.Tensor2D;
  /** The warp family named by `config.warp`. */
  readonly warpFamily: WarpFamily;
  /** The engine that runs the decoder: the one asked for, or TF.js when that one cannot. */
  readonly engine: DecoderEngine;
  /** Why the engine asked for is not the one that runs (null when it is). */
  readonly engineFallback: string | null;
  /**
   * Gather indices of the turns of an input that `poolContent` pools over, besides the input
   * itself: one, two and three quarter turns, or the half turn (empty when not pooled).
   */
  private readonly poolTurns: tf.Tensor1D[] = [];

  /** Builds a model with fresh Keras-style initial weights drawn from `options.seed`. */
  constructor(config: ModelConfig, options: ModelOptions = {}) {
    if (options.angleSearch !== undefined) config = { ...config, angleSearch: options.angleSearch };
    if (options.momentAlign !== undefined) config = { ...config, momentAlign: options.momentAlign };
    if (options.alignFrame !== undefined) config = { ...config, alignFrame: options.alignFrame };
    validateModelConfig(config);
    this.config = structuredClone(config);
    this.warpFamily = warpFamily(config.warp);
    const rng = new Rng(options.seed ?? 0);
    const pixels = config.height * config.width;
    const values = pixels * channelsOf(config);
    const latent = latentDims(config);
    this.encoderHidden = makeStack('encoder', values, config.encoderHidden, rng);
    const encOut = config.encoderHidden.at(-1) ?? values;
    this.encoderMean = new Dense('encoder/mean', encOut, latent, rng);
    this.encoderScale = new Dense('encoder/scale', encOut, latent, rng);
    this.decoder = new CoordinateDecoder(config.contentDims, config.decoderHidden, rng, channelsOf(config));
    const predIn = this.predictorInputDims();
    this.predictorHidden = makeStack('predictor', predIn, config.predictorHidden, rng);
    this.predictorOutput = new Dense(`predictor/dense${config.predictorHidden.length + 1}`, config.predictorHidden.at(-1) ?? predIn, config.classes, rng);
    // Drawn after the layers, so that a mixture leaves the layers' initial weights as they were.
    this.prior = config.mixture ? new MixturePrior(config.mixture, config.contentDims, rng) : null;
    this.grid = tf.tensor2d(gridValues(config.height, config.width), [pixels, 2]);
    const pooled = poolTurnsOf(config);
    if (pooled === 2) {
      this.poolTurns.push(tf.tensor1d(halfTurnIndices(config.height, config.width, channelsOf(config)), 'int32'));
    } else if (pooled === 4) {
      const once = quarterTurnIndices(config.width, channelsOf(config));
      let turn = Int32Array.from(once.keys());
      for (let k = 1; k < 4; k++) {
        turn = Int32Array.from(once, (i) => turn[i]);
        this.poolTurns.push(tf.tensor1d(turn, 'int32'));
      }
    }
    const wanted = options.engine ?? tfjsEngine;
    const why = wanted.unsupported(this.decoder);
    this.engine = why === null ? wanted : tfjsEngine;
    this.engineFallback = why === null ? null : `the ${wanted.name} engine cannot run this model (${why}); using the tfjs decoder`;
    if (this.engineFallback) (options.warn ?? console.warn)(this.engineFallback);
  }

  /**
   * Whether reading an image turns it first: by the candidates of an angle search, or by the
   * turn of moment alignment. Training feeds the encoder images turned the same way.
   */
  get searches(): boolean {
    return (this.config.angleSearch ?? 0) > 0 || this.config.momentAlign === true;
  }

  /** Pixels (grid points) per image. */
  get pixels(): number {
    return this.config.height * this.config.width;
  }

  /** Values per pixel (1: grey). */
  get channels(): number {
    return channelsOf(this.config);
  }

  /** Values per image, `H·W·C`: what the encoder reads and the decoder draws. */
  get values(): number {
    return this.pixels * this.channels;
  }

  /** Latent size `Zc + Zp`. */
  get latent(): number {
    return latentDims(this.config);
  }

  /** All layers, in a fixed order. */
  get layers(): Dense[] {
    return [
      ...this.encoderHidden,
      this.encoderMean,
      this.encoderScale,
      ...this.decoder.hidden,
      this.decoder.output,
      ...this.predictorHidden,
      this.predictorOutput,
    ];
  }

  /** All trainable variables, in a fixed order: the layers', then the prior's. */
  get variables(): tf.Variable[] {
    return [...this.layers.flatMap((d) => d.variables), ...(this.prior?.variables ?? [])];
  }

  /** Every parameter under its saved name, in {@link variables}' order. */
  private named(): [string, tf.Variable][] {
    return [...this.layers.flatMap((d) => d.named()), ...(this.prior?.named() ?? [])];
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  private predictorInputDims(): number {
    return this.config.predictorInput === 'seed' ? latentDims(this.config) - 1 : this.config.contentDims;
  }

  /**
   * The posterior of `x` (`B × P·C` in [0, 1]); `scale = softplus(·)`. With `poolContent`, the
   * encoder also reads `x`'s turns (three quarter turns, or the half turn), and the content's mean
   * and scale are the means of the readings'.
   */
  encode(x: tf.Tensor2D): Posterior {
    return tf.tidy(() => (this.poolTurns.length === 0 ? this.read(x) : this.readTurns(x)[0]));
  }

  /** One encoder pass: `B × L` means and scales. */
  private read(x: tf.Tensor2D): Posterior {
    return tf.tidy(() => {
      const h = reluStack(this.encoderHidden, x);
      return { mean: this.encoderMean.apply(h), scale: tf.softplus(this.encoderScale.apply(h)) };
    });
  }

  /** How many turns `poolContent` pools over (the image included): 4, 2, or 1 when not pooled. */
  private get pooledTurns(): number {
    return this.poolTurns.length + 1;
  }

  /**
   * A `poolContent` model's G readings of `x` (G = 4 or 2): reading `q` holds the content pooled
   * over `x` and its turns, and the warp read on `x` turned by `360q/G`°.
   */
  private readTurns(x: tf.Tensor2D): Posterior[] {
    const [b, zc, l, g] = [x.shape[0], this.config.contentDims, this.latent, this.pooledTurns];
    // G·B × V: the image, then its turns in order.
    const all = this.read(tf.concat([x, ...this.poolTurns.map((turn, k) => this.turned(x, k))], 0) as tf.Tensor2D);
    const pooled = (t: tf.Tensor2D) => tf.mean(tf.reshape(tf.slice(t, [0, 0], [g * b, zc]), [g, b, zc]), 0);
    const [mean, scale] = [pooled(all.mean), pooled(all.scale)];
    const reading = (content: tf.Tensor, t: tf.Tensor2D, q: number) => tf.concat([content, tf.slice(t, [q * b, zc], [b, l - zc])], 1) as tf.Tensor2D;
    return Array.from({ length: g }, (_, q) => ({ mean: reading(mean, all.mean, q), scale: reading(scale, all.scale, q) }));
  }

  /**
   * `x` (`B × V`) turned by the `k`-th of {@link poolTurns}. A turn permutes the values, so its
   * gradient is the inverse permutation: given here because the wasm backend has no gradient for
   * `gather` (the consistency term differentiates the content by the image).
   */
  private turned(x: tf.Tensor2D, k: number): tf.Tensor2D {
    const [turn, back] = [this.poolTurns[k], this.poolTurns[this.poolTurns.length - 1 - k]];
    const f = tf.customGrad(((input: tf.Tensor) => ({ value: tf.gather(input, turn, 1), gradFunc: (dy: tf.Tensor) => tf.gather(dy, back, 1) })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(x) as tf.Tensor2D;
  }

  /** `content = z[:, :Zc]`, `warp = z[:, Zc:]`. */
  split(z: tf.Tensor2D): { content: tf.Tensor2D; warp: tf.Tensor2D } {
    const [b, zc] = [z.shape[0], this.config.contentDims];
    return { content: tf.slice(z, [0, 0], [b, zc]), warp: tf.slice(z, [0, zc], [b, this.config.warpDims]) };
  }

  /** The per-image affine maps (`B × 6`, see `model/warp.ts`) of warp latents `B × Zp`. */
  affineOf(warp: tf.Tensor2D): tf.Tensor2D {
    return this.warpFamily.toAffine(warp, this.config.warpScale);
  }

  /**
   * Decodes `z` (`B × L`) with the warp on or off, on the model's grid or on another one
   * (`P' × 2` `(y, x)` points, e.g. `gridValues(112, 112)`: exact evaluations of the decoder
   * between the training pixels, not interpolation).
   */
  decode(z: tf.Tensor2D, applyWarp: boolean, grid: tf.Tensor2D = this.grid): tf.Tensor2D {
    return tf.tidy(() => {
      const { content, warp } = this.split(z);
      return this.engine.decode(this.decoder, content, applyWarp ? this.affineOf(warp) : null, grid);
    });
  }

  /** The classifier's logits (the softmax is applied in the loss). */
  predict(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, zc, l] = [z.shape[0], this.config.contentDims, this.latent];
      // 'seed' keeps the original's z[:, :-1]: content plus five of the six warp latents.
      const input = this.config.predictorInput === 'seed' ? tf.slice(z, [0, 0], [b, l - 1]) : tf.slice(z, [0, 0], [b, zc]);
      return this.predictorOutput.apply(reluStack(this.predictorHidden, input));
    });
  }

  /**
   * `warp` (`B × Zp`) with `offset` (`B`, radians) added to the family's angle latent: what the
   * angle reads when the encoder saw the image turned by `−offset` (rotation augmentation, the
   * angle search).
   */
  offsetAngle(warp: tf.Tensor2D, offset: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const k = this.warpFamily.angle;
      if (k === null) throw new Error(`the ${this.warpFamily.name} warp has no angle latent`);
      const [b, d] = [warp.shape[0], warp.shape[1]];
      const angle = tf.add(tf.slice(warp, [0, k], [b, 1]), tf.reshape(offset, [b, 1]));
      const parts = [k > 0 ? tf.slice(warp, [0, 0], [b, k]) : null, angle, k + 1 < d ? tf.slice(warp, [0, k + 1], [b, d - k - 1]) : null];
      return tf.concat(parts.filter((t) => t !== null), 1) as tf.Tensor2D;
    });
  }

  /**
   * What the warp latents read on an image the encoder saw turned by `−offset` (radians) and,
   * where `centres` (`B × 2`, `(x, y)` grid units) are given, first moved so that the ink's
   * centroid sat at the frame's centre: the angle gets `offset` back and the shift gets the
   * centroid back, turned as the read angle turns it. With the observed image at `g` being the
   * canonical one at `g·A + t` (rows `(y, x)`), the centred image is the canonical one at
   * `g·A + t + c·A`, so `t = t_read − c·A`, `A` the whole linear part (a rotation, or a rotation
   * then the shape of `rotation-affine`).
   */
  alignWarp(warp: tf.Tensor2D, offset: tf.Tensor1D, centres: tf.Tensor2D | null = null): tf.Tensor2D {
    return tf.tidy(() => {
      const turned = this.offsetAngle(warp, offset);
      const shift = this.warpFamily.shift;
      if (centres === null) return turned;
      if (!shift) throw new Error(`the ${this.warpFamily.name} warp has no shift latents`);
      const [b, d] = [turned.shape[0], turned.shape[1]];
      // c·A with A the turned warp's linear part (rows (y, x)), c = (cy, cx).
      const a = this.affineOf(turned);
      const [cx, cy] = [tf.slice(centres, [0, 0], [b, 1]), tf.slice(centres, [0, 1], [b, 1])];
      const part = (k: number) => tf.slice(a, [0, k], [b, 1]);
      const dy = tf.add(tf.mul(cy, part(0)), tf.mul(cx, part(2)));
      const dx = tf.add(tf.mul(cy, part(1)), tf.mul(cx, part(3)));
      const columns = Array.from({ length: d }, (_, k) => tf.slice(turned, [0, k], [b, 1]));
      columns[shift[0]] = tf.sub(columns[shift[0]], dx);
      columns[shift[1]] = tf.sub(columns[shift[1]], dy);
      return tf.concat(columns, 1) as tf.Tensor2D;
    });
  }

  /**
   * Moment alignment's per-image start (`config.momentAlign`; zeros and no centres without it):
   * the turn that points the ink's third moment up, and, for a family with shift latents, the
   * ink's centroid (`n × 2`, `(x, y)` grid units) that the encoder's view is centred on.
   */
  alignment(images: Float32Array): { turns: Float32Array; centres: Float32Array | null } {
    const n = images.length / this.values;
    if (!this.config.momentAlign) return { turns: new Float32Array(n), centres: null };
    const { turns, centres } = inkFrames(images, n, this.config.height, this.config.width, this.channels, this.config.alignFrame);
    return { turns, centres: this.warpFamily.shift ? centres : null };
  }

  /**
   * The images the encoder reads: turned by `degrees[i]` (counter-clockwise, bilinear, about
   * the frame's centre), each first moved so that `centres[i]` lands on the frame's centre.
   */
  alignedImages(images: Float32Array, degrees: ArrayLike<number>, centres: Float32Array | null): Float32Array {
    return alignImages(images, degrees.length, this.config.height, this.config.width, degrees, centres, this.channels);
  }

  /**
   * The angle search (`config.angleSearch` = K > 0): for each image, the turn `α` among
   * `β, β + 360/K, …` degrees for which the encoder's reading of the image turned by `α`, its
   * angle turned back by `α`, reconstructs the image best. `β` is the image's moment-alignment
   * turn (`config.momentAlign`), else 0; without a search the one candidate `β` is the answer.
   * @param images `n × P·C` floats in [0, 1].
   * @param score the grid points (indices) the reconstructions are compared on; default every one.
   * @returns `n` turns, degrees.
   */
  searchAngles(images: Float32Array, score: Int32Array = this.scorePoints()): Float32Array {
    return this.readingFrame(images, score).turns;
  }

  /**
   * How the encoder views each image: the turn of {@link searchAngles} and, for an aligned model
   * with shift latents, the centroid its view is centred on (see {@link alignment}). Training
   * and evaluation feed the encoder {@link alignedImages} of these.
   */
  readingFrame(images: Float32Array, score: Int32Array = this.scorePoints()): { turns: Float32Array; centres: Float32Array | null } {
    if ((this.config.angleSearch ?? 0) <= 1) return this.alignment(images);
    const { turns, centres } = this.search(images, score);
    return { turns, centres };
  }

  /**
   * The angle search of {@link searchAngles}: each image's winning turn, and the winning reading
   * (`n × L` posterior means, the warp given back, and scales), which is the posterior of a
   * model that searches. With no search configured, the one candidate is the alignment turn.
   */
  private search(
    images: Float32Array,
    score: Int32Array,
    candidates = Math.max(1, this.config.angleSearch ?? 0),
  ): { turns: Float32Array; centres: Float32Array | null; mean: Float32Array; scale: Float32Array } {
    const [p, l] = [this.values, this.latent];
    const n = images.length / p;
    const turns = new Float32Array(n);
    const [mean, scale] = [new Float32Array(n * l), new Float32Array(n * l)];
    // Moment alignment: each image's candidates start from the turn that points its ink's third
    // moment up, and the encoder sees it centred on its ink.
    const { turns: base, centres } = this.alignment(images);
    const centresOf = (start: number, end: number) => (centres ? centres.subarray(2 * start, 2 * end) : null);
    if (candidates === 1) {
      // One candidate wins without a contest: no decode.
      const chunk = 1000;
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(n, start + chunk);
        for (const r of this.candidateReadings(images.subarray(start * p, end * p), end - start, 1, base.subarray(start, end), centresOf(start, end))) {
          mean.set(valuesOf(() => r.mean), start * l);
          scale.set(valuesOf(() => r.scale), start * l);
          turns.set(r.alpha, start);
        }
      }
      return { turns, centres, mean, scale };
    }
    const best = new Float64Array(n).fill(Infinity);
    const idx = tf.tensor1d(score, 'int32');
    const values = tf.tensor1d(channelIndices(score, this.channels), 'int32');
    const grid = tf.gather(this.grid, idx);
    // About 64k decoded points a chunk: the TF.js decoder keeps every point's hidden layers.
    const chunk = Math.max(1, Math.min(256, Math.floor(65536 / score.length)));
    try {
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(n, start + chunk);
        const part = images.subarray(start * p, end * p);
        const target = tf.tidy(() => tf.gather(tf.tensor2d(part, [end - start, p]), values, 1));
        for (const reading of this.candidateReadings(part, end - start, candidates, base.subarray(start, end), centresOf(start, end))) {
          const [errors, m, sc] = tf.tidy(() => {
            const { content, warp } = this.split(reading.mean);
            const y = this.engine.decode(this.decoder, content, this.affineOf(warp), grid);
            return [tf.sum(tf.square(tf.sub(y, target)), 1), reading.mean, reading.scale];
          }).map((t) => {
            const v = t.dataSync() as Float32Array;
            t.dispose();
            return v;
          });
          for (let i = 0; i < errors.length; i++) {
            if (!(errors[i] < best[start + i])) continue;
            best[start + i] = errors[i];
            turns[start + i] = reading.alpha[i];
            mean.set(m.subarray(i * l, (i + 1) * l), (start + i) * l);
            scale.set(sc.subarray(i * l, (i + 1) * l), (start + i) * l);
          }
        }
        target.dispose();
      }
    } finally {
      tf.dispose([idx, values, grid]);
    }
    return { turns, centres, mean, scale };
  }

  /**
   * The angle search's candidate readings of `n` images: for each turn `α = β + 360k/K` (`β`
   * each image's alignment turn, else 0), the posterior of the image turned by `α` (and centred
   * on `centres` where given), its warp given back by {@link alignWarp} (`n × L` tensors, the
   * caller's to dispose, one candidate at a time). A `poolContent` model reads an image's G
   * pooled turns in one pass, so with K a multiple of G one pass gives G candidates.
   */
  private *candidateReadings(part: Float32Array, n: number, candidates: number, base: Float32Array, centres: Float32Array | null): Generator<Posterior & { alpha: Float32Array }> {
    const p = this.values;
    const g = this.pooledTurns;
    const pooled = g > 1 && candidates % g === 0;
    const step = pooled ? candidates / g : candidates;
    for (let k = 0; k < step; k++) {
      const alpha = base.map((b) => b + (360 * k) / candidates);
      const input = alpha.every((a) => a === 0) && !centres ? part : this.alignedImages(part, alpha, centres);
      const readings = tf.tidy(() => {
        const x = tf.tensor2d(input, [n, p]);
        return pooled ? this.readTurns(x) : [this.encode(x)];
      });
      for (const [q, r] of readings.entries()) {
        const turn = alpha.map((a) => a + (360 / g) * q);
        const mean = tf.tidy(() => {
          const { content, warp } = this.split(r.mean);
          const back = tf.tensor1d(turn.map((t) => (-t * Math.PI) / 180));
          return tf.concat([content, this.alignWarp(warp, back, centres ? tf.tensor2d(centres, [n, 2]) : null)], 1) as tf.Tensor2D;
        });
        r.mean.dispose();
        yield { alpha: turn, mean, scale: r.scale };
      }
    }
  }

  /**
   * Every grid point: where {@link searchAngles} compares by default. A digit covers about 6% of
   * a 50×50 frame, so a sparse lattice judged its half turn on a dozen ink pixels. On the shipped
   * mnist-pose (1,000 test digits, `scripts/pose-check.ts`), a lattice of 289 points read 24.5%
   * of the digits half a turn off, the same lattice moved by one pixel 28.2%, and every pixel 19.1%.
   */
  private scorePoints(): Int32Array {
    return Int32Array.from({ length: this.pixels }, (_, i) => i);
  }


  /**
   * Posterior means and scales, `n × L` each; with the angle search (unless `search` is false)
   * the encoder reads each image turned by its searched `α`, and the angle gets `α` back.
   */
  private posteriorValues(images: Float32Array, search = true): { mean: Float32Array; scale: Float32Array } {
    const v = this.values;
    if (images.length % v !== 0) throw new Error(`expected images of ${v} values, got ${images.length} values`);
    if (search && this.searches) return this.search(images, this.scorePoints());
    // Without the search an aligned model still reads aligned images: its encoder knows no others.
    if (this.config.momentAlign) return this.search(images, this.scorePoints(), 1);
    const n = images.length / v;
    const [mean, scale] = [new Float32Array(n * this.latent), new Float32Array(n * this.latent)];
    const chunk = 1000;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const q = tf.tidy(() => this.encode(tf.tensor2d(images.subarray(start * v, end * v), [end - start, v])));
      mean.set(q.mean.dataSync(), start * this.latent);
      scale.set(q.scale.dataSync(), start * this.latent);
      tf.dispose([q.mean, q.scale]);
    }
    return { mean, scale };
  }

  /** The latents `n × L` used for decoding: the posterior mean, or a sample when asked. */
  private latentValues(images: Float32Array, options: DecodeOptions, search = true): Float32Array {
    const { mean, scale } = this.posteriorValues(images, search);
    if (!options.sample) return mean;
    const eps = (options.rng ?? new Rng(0)).normals(mean.length);
    // Rounded as float32 tensors would round `mean + scale·eps`, so that samples are the same.
    return mean.map((m, i) => m + Math.fround(scale[i] * eps[i]));
  }

  /**
   * Normalized images: decoded with the warp switched off. With `passes` = 1 (the default, the
   * original's way) the latent is read from the input; with `passes` > 1 the input is first
   * straightened by {@link unwarp} in `passes − 1` passes and the latent read from that, so
   * less of the pose leaks into the content latents.
   * @param images `n × P·C` floats in [0, 1].
   * @returns `n × P·C` floats in (0, 1).
   */
  normalize(images: Float32Array, options: DecodeOptions & { passes?: number } = {}): Float32Array {
    const passes = options.passes ?? 1;
    return this.decodeImages(passes > 1 ? this.unwarp(images, { ...options, passes: passes - 1 }) : images, false, options);
  }

  /**
   * Normalized images made from the input's own pixels: each image resampled (bilinear) through
   * the inverse of the pose the encoder infers. The decoder only supplies the pose, so strokes
   * keep the input's sharpness and detail where {@link normalize} redraws them smoothly.
   * If `observed(g) ≈ canonical(T·g + t)`, the result at `g` is the input at `T·g + t`.
   *
   * Each pass (`passes`, default {@link UNWARP_PASSES}) encodes the last result and composes the
   * residual pose onto the pose so far, as iterative image alignment does: one encoder pass
   * under-reads large turns and slants. Every pass resamples the original pixels, so passes do
   * not blur the result.
   * @param images `n × P·C` floats in [0, 1]; every channel moves with the one pose.
   */
  unwarp(images: Float32Array, options: Pick<DecodeOptions, 'sample' | 'rng'> & { passes?: number } = {}): Float32Array {
    const { height: h, width: w } = this.config;
    const n = images.length / this.values;
    // Per image: canonical(g) = observed(T·g + t), as T = [a, b, c, d] and t = [tx, ty].
    let T = Array.from({ length: n }, (): Mat2 => [1, 0, 0, 1]);
    let t = Array.from({ length: n }, (): [number, number] => [0, 0]);
    let current = images;
    for (let k = 0; k < (options.passes ?? UNWARP_PASSES); k++) {
      // Only the first pass searches: later ones read what is left of the pose of an image
      // already turned near upright.
      const poses = this.inferTransform(current, { ...options, search: k === 0 });
      // canonical(g) = current(T₂·g + t₂) = observed(T·(T₂·g + t₂) + t) = observed(T·T₂·g + T·t₂ + t)
      t = poses.map((p, i) => add(apply(T[i], [p.translateX, p.translateY]), t[i]));
      T = poses.map((p, i) => multiply(T[i], p.matrix));
      // transformImages reads the source at M⁻¹(g − s): M = T⁻¹ and s = −T⁻¹·t give T·g + t.
      const inverse = T.map(invert);
      current = transformImages(images, n, h, w, inverse, t.map((ti, i) => apply(inverse[i], ti).map((v) => -v) as [number, number]), this.channels);
    }
    return current;
  }

  /** Reconstructions: decoded with the warp on. */
  reconstruct(images: Float32Array, options: DecodeOptions = {}): Float32Array {
    return this.decodeImages(images, true, options);
  }

  /**
   * Renders images at `size × size` (any resolution): the decoder evaluated exactly at the
   * points of a finer grid over the same square, normalized (warp off) or reconstructed.
   * @returns `n × size²·C` floats in (0, 1).
   */
  render(images: Float32Array, size: number, applyWarp: boolean, options: DecodeOptions = {}): Float32Array {
    const grid = tf.tensor2d(gridValues(size, size), [size * size, 2]);
    try {
      return this.decodeImages(images, applyWarp, options, grid);
    } finally {
      grid.dispose();
    }
  }

  /**
   * Draws content at chosen poses: content latents `n × Zc` (e.g. the first `Zc` of a posterior
   * mean) through the decoder, warped by each pose (rotation, scale, shear, shift; the warp
   * family does not limit it, since the decoder reads any point). At `size × size` (default the
   * model's own size); `rows` `[start, end)` draws only that band of the image's rows (the web
   * page renders in bands to stay responsive).
   * @returns `n × rows·size·C` floats in (0, 1).
   */
  decodeAt(content: Float32Array, poses: Pose[], size?: number, rows?: [number, number]): Float32Array {
    const zc = this.config.contentDims;
    const n = poses.length;
    if (content.length !== n * zc) throw new Error(`expected ${n} × ${zc} content latents, got ${content.length} values`);
    const affine = new Float32Array(6 * n);
    poses.forEach((pose, i) => affine.set(affineFromPose(pose), 6 * i));
    const side = size ?? this.config.width;
    const [start, end] = rows ?? [0, size ?? this.config.height];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= side)) {
      throw new Error(`rows [${start}, ${end}) are not a band of a ${side}-row image`);
    }
    const own = size === undefined && rows === undefined;
    const grid = own ? this.grid : tf.tensor2d(gridValues(side, side).subarray(2 * start * side, 2 * end * side), [(end - start) * side, 2]);
    try {
      return valuesOf(() => this.engine.decode(this.decoder, tf.tensor2d(content, [n, zc]), tf.tensor2d(affine, [n, 6]), grid));
    } finally {
      if (!own) grid.dispose();
    }
  }

  /**
   * The content latents of `n × P·C` images: the first `Zc` of each posterior mean (with the angle
   * search where the model has one), `n × Zc`; what {@link decodeAt} draws.
   */
  content(images: Float32Array): Float32Array {
    const { mean } = this.posteriorValues(images);
    const [l, zc] = [this.latent, this.config.contentDims];
    const n = mean.length / l;
    const out = new Float32Array(n * zc);
    for (let i = 0; i < n; i++) out.set(mean.subarray(i * l, i * l + zc), i * zc);
    return out;
  }

  /**
   * Posterior means and scales of `n × P·C` images, as flat `n × L` arrays (with the angle search
   * where the model has one).
   */
  posterior(images: Float32Array): { mean: Float32Array; scale: Float32Array } {
    return this.posteriorValues(images);
  }

  /**
   * The pose the encoder infers for each image: the effective warp, canonical → observed,
   * decomposed into rotation, scale, shear and translation (see `model/transform.ts`).
   * From the posterior mean unless `sample` is set; with the model's angle search unless `search`
   * is false (moment alignment, which costs no decode, always applies).
   * @param images `n × P·C` floats in [0, 1].
   */
  inferTransform(images: Float32Array, options: Pick<DecodeOptions, 'sample' | 'rng'> & { search?: boolean } = {}): Transform[] {
    return this.poseOf(this.latentValues(images, options, options.search ?? true));
  }

  /** The pose (as in {@link inferTransform}) that latents `n × L` (content, then warp) encode. */
  poseOf(latent: Float32Array): Transform[] {
    const n = latent.length / this.latent;
    const affine = valuesOf(() => this.affineOf(this.split(tf.tensor2d(latent, [n, this.latent])).warp));
    return Array.from({ length: n }, (_, i) => {
      const { matrix, translate } = poseFromAffine(affine.subarray(6 * i, 6 * i + 6));
      return decompose(matrix, translate);
    });
  }

  private decodeImages(images: Float32Array, applyWarp: boolean, options: DecodeOptions, grid = this.grid): Float32Array {
    const p = this.values;
    if (images.length % p !== 0) throw new Error(`expected images of ${p} values, got ${images.length} values`);
    const n = images.length / p;
    const q = grid.shape[0] * this.channels;
    // 64 images at 28 × 28 by default; fewer on a finer grid, so the decoder's activations
    // (points × width) stay the same size whatever the resolution.
    const chunk = options.chunk ?? Math.max(1, Math.floor((64 * 784) / grid.shape[0]));
    const out = new Float32Array(n * q);
    const z = this.latentValues(images, options);
    const l = this.latent;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const values = valuesOf(() => this.decode(tf.tensor2d(z.subarray(start * l, end * l), [end - start, l]), applyWarp, grid));
      out.set(values, start * q);
    }
    return out;
  }

  /** The weights by name (`encoder/dense1/kernel`, …). */
  namedWeights(): tf.NamedTensorMap {
    return Object.fromEntries(this.named());
  }

  /** Assigns weights by name; every variable must be present with its shape. */
  setNamedWeights(weights: tf.NamedTensorMap): void {
    for (const [name, v] of this.named()) {
      const w = weights[name];
      if (!w) throw new Error(`weight '${name}' is missing`);
      if (!tf.util.arraysEqual(w.shape, v.shape)) {
        throw new Error(`weight '${name}' has shape [${w.shape}], the model expects [${v.shape}]`);
      }
      v.assign(w);
    }
  }

  /**
   * Places the mixture prior's components on the content codes of `images` (`n × P·C`, as
   * read, k-means; see {@link MixturePrior.fit}). Training from a model without a mixture starts
   * here. Does nothing for the normal prior.
   */
  fitPrior(images: Float32Array, rng: Rng): void {
    this.prior?.fit(this.content(images), rng);
  }

  /** The mixture component each of `images` (`n × P·C`) is read into; null for the normal prior. */
  components(images: Float32Array): Int32Array | null {
    return this.prior ? this.prior.assign(this.content(images)) : null;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.grid.dispose();
    tf.dispose(this.poolTurns);
  }
}

/** `m·v` for a 2×2 matrix and a 2-vector. */
function apply(m: Mat2, v: [number, number]): [number, number] {
  return [m[0] * v[0] + m[1] * v[1], m[2] * v[0] + m[3] * v[1]];
}

function add(a: [number, number], b: [number, number]): [number, number] {
  return [a[0] + b[0], a[1] + b[1]];
}

/**
 * Every weight a config builds, by saved name and shape, without building them: the layers'
 * kernels and biases ({@link layerShapes}), then the mixture prior's.
 */
export function weightShapes(config: ModelConfig): [string, number[]][] {
  return [
    ...layerShapes(config).flatMap((l): [string, number[]][] => [[`${l.name}/kernel`, [l.inputs, l.units]], [`${l.name}/bias`, [l.units]]]),
    ...(config.mixture ? MixturePrior.shapes(config.mixture, config.contentDims) : []),
  ];
}

/** One dense layer of a model, by name and size. */
export interface LayerShape {
  name: string;
  inputs: number;
  units: number;
}

/**
 * The dense layers a config builds, in the constructor's order, without building them: the
 * shapes a saved model's manifest must match, checked before anything is allocated. A test
 * keeps it equal to {@link AffineVAE.layers}.
 */
export function layerShapes(config: ModelConfig): LayerShape[] {
  const stack = (prefix: string, inputs: number, widths: number[]) =>
    widths.map((units, i) => ({ name: `${prefix}/dense${i + 1}`, inputs: i ? widths[i - 1] : inputs, units }));
  const values = config.height * config.width * channelsOf(config);
  const latent = latentDims(config);
  const encOut = config.encoderHidden.at(-1) ?? values;
  const predIn = config.predictorInput === 'seed' ? latent - 1 : config.contentDims;
  const decoder = stack('decoder', 2 + config.contentDims, config.decoderHidden);
  return [
    ...stack('encoder', values, config.encoderHidden),
    { name: 'encoder/mean', inputs: encOut, units: latent },
    { name: 'encoder/scale', inputs: encOut, units: latent },
    ...decoder,
    { name: `decoder/dense${config.decoderHidden.length + 1}`, inputs: config.decoderHidden.at(-1) ?? 2 + config.contentDims, units: channelsOf(config) },
    ...stack('predictor', predIn, config.predictorHidden),
    { name: `predictor/dense${config.predictorHidden.length + 1}`, inputs: config.predictorHidden.at(-1) ?? predIn, units: config.classes },
  ];
}
