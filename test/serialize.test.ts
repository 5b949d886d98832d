import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { UserError } from '../src/io/files.ts';
import { loadModelDir, saveModelDir } from '../src/io/model-dir.ts';
import { Rng } from '../src/model/rng.ts';
import { PRESETS, buildModelConfig } from '../src/model/config.ts';
import { AffineVAE, layerShapes } from '../src/model/vae.ts';
import { tempDir, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

function savedModel(): { dir: string; model: AffineVAE; x: Float32Array } {
  const dir = tempDir();
  const model = new AffineVAE(tinyConfig(12), { seed: 21 });
  const rng = new Rng(1);
  const x = Float32Array.from({ length: 3 * 784 }, () => rng.uniform());
  return { dir, model, x };
}

test('save, load, and identical outputs', async () => {
  const { dir, model, x } = savedModel();
  await saveModelDir(model, dir, { note: 'test' });
  const loaded = await loadModelDir(dir);
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(Array.from(loaded.normalize(x)), Array.from(model.normalize(x)));
  assert.deepEqual(Array.from(loaded.reconstruct(x)), Array.from(model.reconstruct(x)));
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  // Named by content: the same weights, the same name.
  assert.match(json.weightsManifest[0].paths[0], /^weights-[0-9a-f]{16}\.bin$/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.bin')), json.weightsManifest[0].paths);
  assert.equal(json.userDefinedMetadata.note, 'test');
  model.dispose();
  loaded.dispose();
});

test('stock TF.js reads the artifacts through tf.io (getModelArtifactsForJSON + decodeWeights)', async () => {
  const { dir, model } = savedModel();
  await saveModelDir(model, dir);
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const bin = readFileSync(join(dir, manifest[0].paths[0]));
    return [manifest[0].weights, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)];
  });
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  const kernel = model.namedWeights()['decoder/dense2/kernel'];
  assert.deepEqual(weights['decoder/dense2/kernel'].shape, [12, 12]);
  assert.deepEqual(Array.from(weights['decoder/dense2/kernel'].dataSync()), Array.from(kernel.dataSync()));
  assert.equal(Object.keys(weights).length, model.variables.length);
  model.dispose();
});

/** The weights file a saved model's manifest names. */
const weightsOf = (dir: string) => join(dir, JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths[0]);

const broken: [string, (dir: string) => void, RegExp][] = [
  ['a missing directory', (dir) => rmSync(dir, { recursive: true }), /does not exist/],
  ['no model.json', (dir) => rmSync(join(dir, 'model.json')), /is not a model directory: it has no model\.json/],
  ['corrupt JSON', (dir) => writeFileSync(join(dir, 'model.json'), '{"format": '), /corrupt JSON/],
  ['a truncated weights file', (dir) => writeFileSync(weightsOf(dir), readFileSync(weightsOf(dir)).subarray(0, 100)), /weights-[0-9a-f]+\.bin: the weights files hold 100 bytes, .*model\.json describes 42556/],
  ['a missing weights file', (dir) => rmSync(weightsOf(dir)), /cannot read weights file .*no such file/],
  [
    'a foreign (Keras layers) model',
    (dir) => writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' }, weightsManifest: [] })),
    /format is 'layers-model', expected 'affine-vae'/,
  ],
  [
    'a config that cannot make a model',
    (dir) => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      json.modelTopology.config.decoderHidden = [0];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    },
    /bad config: decoderHidden\[0\] must be a positive integer/,
  ],
  [
    'a config with an absurd number of channels',
    (dir) => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      json.modelTopology.config.channels = 1e9;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    },
    /bad config: channels must be an integer from 1 to 4, got 1000000000/,
  ],
  [
    'weights of a grey model under a colour config',
    (dir) => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      json.modelTopology.config.channels = 3;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    },
    /encoder\/dense1\/kernel/,
  ],
];
for (const [name, damage, message] of broken) {
  test(`loading ${name} fails with a clear message`, async () => {
    const { dir, model } = savedModel();
    await saveModelDir(model, dir);
    model.dispose();
    damage(dir);
    await assert.rejects(loadModelDir(dir), (err: Error) => {
      assert.ok(err instanceof UserError, `${err.name}: ${err.message}`);
      assert.match(err.message, message);
      return true;
    });
  });
}

test('a model saved before warp families existed loads as a seed warp', async () => {
  const { dir, model, x } = savedModel();
  await saveModelDir(model, dir);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  delete json.modelTopology.config.warp;
  delete json.modelTopology.config.priors;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  const loaded = await loadModelDir(dir);
  assert.equal(loaded.config.warp, 'seed');
  assert.deepEqual(Array.from(loaded.reconstruct(x)), Array.from(model.reconstruct(x)));
  model.dispose();
  loaded.dispose();
});

test('layerShapes lists the layers the constructor builds, for every preset and odd sizes', () => {
  const configs = [
    ...Object.keys(PRESETS).map((p) => buildModelConfig(p, { hidden: 8 })),
    { ...buildModelConfig('seed', { hidden: 8 }), encoderHidden: [], predictorHidden: [5, 7], height: 9, width: 13 },
    { ...buildModelConfig('seed', { hidden: 8 }), decoderHidden: [3, 4, 5], predictorInput: 'content' as const },
  ];
  for (const config of configs) {
    const model = new AffineVAE(config, { seed: 1 });
    assert.deepEqual(layerShapes(config), model.layers.map((d) => ({ name: d.name, inputs: d.inputs, units: d.units })));
    model.dispose();
  }
});
