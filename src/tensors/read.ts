import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `f` in a `tf.tidy` scope and returns the values of the tensor it makes. The read happens
 * outside the scope on purpose: `tf.tidy` walks whatever its function returns looking for
 * tensors, element by element for a typed array (1.4 s per 1000 decoded images, measured).
 */
export function valuesOf(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
