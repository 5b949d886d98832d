import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.ts';

/**
 * A fully connected layer's parameters, Keras style: `y = act(x @ kernel + bias)`, kernel
 * glorot-uniform, bias zero.
 */
export class Dense {
  readonly kernel: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly name: string,
    readonly inputs: number,
    readonly units: number,
    rng: Rng,
  ) {
    // Keras' GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).
    const limit = Math.sqrt(6 / (inputs + units));
    const values = new Float32Array(inputs * units);
    for (let i = 0; i < values.length; i++) values[i] = (2 * rng.uniform() - 1) * limit;
    // TF.js variable names are global; a serial keeps two models apart. Saved weights use `name`.
    const serial = nextSerial++;
    this.kernel = tf.variable(tf.tensor2d(values, [inputs, units]), true, `${name}/kernel#${serial}`);
    this.bias = tf.variable(tf.zeros([units]), true, `${name}/bias#${serial}`);
  }

  /** `x @ kernel + bias`, before the activation. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.kernel), this.bias);
  }

  get variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  /** The parameters under their saved names, `${name}/kernel` and `${name}/bias`. */
  named(): [string, tf.Variable][] {
    return [[`${this.name}/kernel`, this.kernel], [`${this.name}/bias`, this.bias]];
  }
}

let nextSerial = 0;

/** A stack of relu layers: `relu(… relu(x @ W1 + b1) …)`. */
export function reluStack(layers: Dense[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (const layer of layers) h = tf.relu(layer.apply(h));
  return h;
}

/** Relu layers of the given widths, named `${prefix}/dense${i}`. */
export function makeStack(prefix: string, inputs: number, widths: number[], rng: Rng): Dense[] {
  const layers: Dense[] = [];
  let fanIn = inputs;
  widths.forEach((w, i) => {
    layers.push(new Dense(`${prefix}/dense${i + 1}`, fanIn, w, rng));
    fanIn = w;
  });
  return layers;
}
