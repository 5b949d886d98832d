import * as tf from '@tensorflow/tfjs-core';

/** Adam's hyper-parameters. */
export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam as Keras applies it (`tf.raw_ops.ApplyAdam`):
 *
 *   lr_t = lr · sqrt(1 − β2^t) / (1 − β1^t)
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr_t · m / (sqrt(v) + ε)
 *
 * TF.js' own Adam puts ε inside the bias correction and updates β^t by repeated products, so
 * its numbers differ slightly from Keras' and drift after a restore; this one is exact: the
 * step count is the whole state besides the moments.
 */
export class Adam {
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];

  constructor(
    readonly config: AdamConfig,
    readonly variables: tf.Variable[],
  ) {
    this.m = variables.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = variables.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /**
   * Applies one update with `grads[i]` the gradient of `variables[i]`.
   * @param factor - the schedule's factor on the learning rate at this step.
   */
  apply(grads: tf.Tensor[], factor = 1): void {
    const { beta1, beta2, epsilon } = this.config;
    const learningRate = this.config.learningRate * factor;
    this.step += 1;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    tf.tidy(() => {
      this.variables.forEach((x, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        x.assign(tf.sub(x, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), lrT)));
      });
    });
  }

  /** The moments by variable index, for a checkpoint. */
  namedState(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    this.m.forEach((m, i) => (out[`m/${i}`] = m));
    this.v.forEach((v, i) => (out[`v/${i}`] = v));
    return out;
  }

  /** Restores moments and step count from a checkpoint. */
  restore(state: tf.NamedTensorMap, step: number): void {
    this.variables.forEach((_, i) => {
      for (const [key, slot] of [[`m/${i}`, this.m[i]], [`v/${i}`, this.v[i]]] as const) {
        const t = state[key];
        if (!t || !tf.util.arraysEqual(t.shape, slot.shape)) throw new Error(`optimizer state '${key}' is missing or has the wrong shape`);
        slot.assign(t);
      }
    });
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
