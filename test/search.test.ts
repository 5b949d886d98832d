import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { buildModelConfig } from '../src/model/config.ts';
import { rotationMatrix, transformImages } from '../src/model/transform-images.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { tfjsEngine } from '../src/model/engine.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { useBackend } from './helpers.ts';

before(useBackend);

const config = (angleSearch: number) => ({ ...buildModelConfig('rotation-translation', { hidden: 32, angleSearch }), height: 50, width: 50 });

test('angle search: each image gets the candidate turn whose reading reconstructs it best, and the posterior is that reading turned back', () => {
  const model = new AffineVAE(config(6), { seed: 5 });
  const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, 12);
  const x = toUnit(posed.images);
  const points = Int32Array.from({ length: 300 }, (_, i) => (i * 8) % 2500);
  const turns = model.searchAngles(x, points);
  // By hand: for each candidate, encode the turned images, turn the angle back, decode, compare.
  const errors = [0, 60, 120, 180, 240, 300].map((alpha) => {
    const turned = transformImages(x, 12, 50, 50, new Array(12).fill(rotationMatrix(alpha)));
    return tf.tidy(() => {
      const mean = model.encode(tf.tensor2d(turned, [12, 2500])).mean;
      const { content, warp } = model.split(mean);
      const back = model.offsetAngle(warp, tf.fill([12], (-alpha * Math.PI) / 180) as tf.Tensor1D);
      const grid = tf.gather(model.grid, tf.tensor1d(points, 'int32'));
      const y = tfjsEngine.decode(model.decoder, content, model.affineOf(back), grid);
      const target = tf.gather(tf.tensor2d(x, [12, 2500]), tf.tensor1d(points, 'int32'), 1);
      return Array.from(tf.sum(tf.square(tf.sub(y, target)), 1).dataSync());
    });
  });
  const expected = Array.from({ length: 12 }, (_, i) => 60 * errors.reduce((b, e, k) => (e[i] < errors[b][i] ? k : b), 0));
  assert.deepEqual(Array.from(turns), expected);
  assert.ok(new Set(expected).size > 1, 'an untrained model still prefers different turns for different images');

  // The posterior: the encoder's reading of each image turned by its searched angle, the angle latent turned back.
  const searched = model.posterior(x).mean;
  const plain = new AffineVAE(config(0), { seed: 5 });
  const chosen = model.searchAngles(x); // on the default points, as the posterior searches
  const turned = transformImages(x, 12, 50, 50, Array.from(chosen, rotationMatrix));
  const direct = plain.posterior(turned).mean;
  const l = model.latent;
  const angle = model.config.contentDims + model.warpFamily.angle!;
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < l; j++) {
      const want = direct[i * l + j] - (j === angle ? (chosen[i] * Math.PI) / 180 : 0);
      assert.ok(Math.abs(searched[i * l + j] - want) < 1e-5, `image ${i}, latent ${j}`);
    }
  }
  // Without a search, every turn is 0 and the posterior is the encoder's.
  assert.deepEqual(Array.from(plain.searchAngles(x)), new Array(12).fill(0));
  model.dispose();
  plain.dispose();
});

test('angle search: refused for a warp without an angle, and out of range', () => {
  assert.throws(() => buildModelConfig('affine', { angleSearch: 4 }), /angle latent/);
  assert.throws(() => buildModelConfig('rotation', { angleSearch: 65 }), /\[0, 64\]/);
  assert.throws(() => buildModelConfig('rotation', { angleSearch: 2.5 }), /\[0, 64\]/);
});
