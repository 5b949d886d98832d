import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { objective } from '../src/objective/objective.ts';
import { tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

test('the explicit-transpose matMul gradient equals finite differences, all transpose cases', () => {
  const a0 = tf.randomNormal([3, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b0 = tf.randomNormal([4, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
  const w = tf.randomNormal([3, 5], 0, 1, 'float32', 3);
  for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
    const a = ta ? tf.transpose(a0) : a0;
    const b = tb ? tf.transpose(b0) : b0;
    const f = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w));
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x as tf.Tensor2D, y as tf.Tensor2D))([a, b]);
    // f is linear in each argument: df/da = w @ b^T (in a's layout), exactly.
    const expectA = tf.matMul(w, tf.transpose(b0));
    const expectB = tf.matMul(tf.transpose(a0), w);
    const diff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0];
    assert.ok(diff(ta ? tf.transpose(ga) : ga, expectA) < 1e-5, `da, transposeA=${ta} transposeB=${tb}`);
    assert.ok(diff(tb ? tf.transpose(gb) : gb, expectB) < 1e-5, `db, transposeA=${ta} transposeB=${tb}`);
  }
});

test('the gradient of the whole loss matches central finite differences (tiny config)', () => {
  const config = tinyConfig(6, { height: 5, width: 5 });
  config.loss = { ...config.loss, klScaling: 'per-image', crossEntropy: 0.5, kl: 0.1 }; // make every term visible
  const model = new AffineVAE(config, { seed: 11 });
  const rng = new Rng(5);
  const b = 3;
  const x = tf.tensor2d(Float32Array.from({ length: b * 25 }, () => rng.uniform()), [b, 25]);
  const labels = tf.tensor1d([1, 4, 7], 'int32');
  const eps = tf.tensor2d(rng.normals(b * 16), [b, 16]);
  const loss = () => objective(model, x, labels, eps, b).total;
  const { grads } = tf.variableGrads(loss, model.variables);
  let checked = 0;
  for (const v of model.variables) {
    const g = Array.from(grads[v.name].dataSync());
    const values = Float32Array.from(v.dataSync());
    // A few coordinates of every variable, the largest-gradient one among them.
    const picks = [0, Math.floor(values.length / 2), values.length - 1, g.reduce((best, gi, i) => (Math.abs(gi) > Math.abs(g[best]) ? i : best), 0)];
    for (const i of picks) {
      const h = 1e-2;
      const at = (delta: number) => {
        const copy = values.slice();
        copy[i] += delta;
        v.assign(tf.tensor(copy, v.shape));
        return loss().dataSync()[0];
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(values, v.shape));
      const tol = 2e-3 + 0.05 * Math.abs(fd);
      assert.ok(Math.abs(fd - g[i]) < tol, `${v.name}[${i}]: autograd ${g[i]}, finite difference ${fd}`);
      checked++;
    }
  }
  assert.ok(checked >= 4 * 18);
  model.dispose();
});
