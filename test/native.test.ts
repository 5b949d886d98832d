import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { slice, validationSplit } from '../src/data/dataset.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { SEED_TRAIN } from '../src/model/config.ts';
import { CoordinateDecoder } from '../src/model/decoder.ts';
import { type DecoderEngine, tfjsEngine } from '../src/model/engine.ts';
import { Rng } from '../src/model/rng.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { gridValues } from '../src/model/warp.ts';
import { type NativeKernel, type NativeRunArgs, type NativeRunResult, loadNativeAddon } from '../src/native/addon.ts';
import { NATIVE_CONTRACT, contractMismatch, marshal } from '../src/native/contract.ts';
import { nativeEngine } from '../src/native/engine.ts';
import { Trainer, type TrainerSnapshot } from '../src/train/trainer.ts';
import { maxAbsDiff, tf, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

const { addon, reason } = loadNativeAddon();
// CI builds the addon and sets AFFINE_VAE_REQUIRE_NATIVE, so there a missing addon fails.
const skip = addon ? false : process.env.AFFINE_VAE_REQUIRE_NATIVE ? false : `native addon unavailable: ${reason}`;

/** max |a − b| / max |b|: the error relative to the gradient's scale. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

interface Case {
  B: number;
  side: number;
  Zc: number;
  H1: number;
  H2: number;
  threads: number;
  /** Outputs per point (channels); 1 when absent. */
  C?: number;
}
const cases: Case[] = [
  { B: 3, side: 5, Zc: 4, H1: 8, H2: 6, threads: 1 },
  { B: 7, side: 28, Zc: 10, H1: 32, H2: 16, threads: 2 },
  { B: 5, side: 12, Zc: 3, H1: 20, H2: 40, threads: 3 }, // more threads than… and B not a multiple of them
  { B: 1, side: 9, Zc: 10, H1: 64, H2: 64, threads: 2 },
  { B: 4, side: 7, Zc: 3, H1: 528, H2: 528, threads: 2 }, // K over one 512-deep slice of the packed product
  { B: 2, side: 6, Zc: 2, H1: 516, H2: 528, threads: 1 }, // a slice whose depth is not a multiple of 8
  // Colour and multichannel decoders: C outputs per point.
  { B: 3, side: 5, Zc: 4, H1: 8, H2: 6, threads: 1, C: 2 },
  { B: 7, side: 28, Zc: 10, H1: 32, H2: 16, threads: 2, C: 3 },
  { B: 5, side: 12, Zc: 3, H1: 20, H2: 40, threads: 3, C: 3 },
  { B: 4, side: 7, Zc: 3, H1: 528, H2: 528, threads: 2, C: 4 },
];

function setup(c: Case, seed: number) {
  const rng = new Rng(seed);
  const C = c.C ?? 1;
  const decoder = new CoordinateDecoder(c.Zc, [c.H1, c.H2], rng, C);
  // Non-zero biases, so their paths are tested too.
  for (const d of [...decoder.hidden, decoder.output]) d.bias.assign(tf.tensor1d(rng.normals(d.units).map((v) => 0.1 * v)));
  const P = c.side * c.side;
  const grid = tf.tensor2d(gridValues(c.side, c.side), [P, 2]);
  const content = tf.tensor2d(rng.normals(c.B * c.Zc), [c.B, c.Zc]);
  // Per-image affine maps near the identity, translation included.
  const warp = tf.tensor2d(rng.normals(c.B * 6).map((v, i) => (i % 6 === 0 || i % 6 === 3 ? 1 : 0) + 0.2 * v), [c.B, 6]);
  const target = tf.tensor2d(Float32Array.from({ length: c.B * P * C }, () => rng.uniform()), [c.B, P * C]);
  return { decoder, grid, content, warp, target };
}

/** The addon's inputs for a case built by {@link setup} (no target, no gradient asked), marshalled as the engine does. */
function addonArgs(c: Case, { decoder, grid, content, warp }: ReturnType<typeof setup>): NativeRunArgs {
  const arrays = { content: content.dataSync() as Float32Array, affine: warp.dataSync() as Float32Array, grid: grid.dataSync() as Float32Array };
  return marshal(decoder, arrays, { threads: c.threads });
}

test('marshal reads the sizes off the arrays and names the weights as the contract does', () => {
  const c = cases[1];
  const args = addonArgs(c, setup(c, 1));
  assert.deepEqual([args.B, args.P, args.Zc, args.H1, args.H2, args.C, args.threads, args.grad], [c.B, c.side * c.side, c.Zc, c.H1, c.H2, 1, c.threads, 0]);
  assert.equal(addonArgs(cases[7], setup(cases[7], 1)).C, 3);
  for (const a of NATIVE_CONTRACT.arrays.filter((a) => a.role === 'weight')) assert.ok(args[a.name] instanceof Float32Array, a.name);
});

test('the addon reports the contract this package was written against; another one is refused', { skip }, () => {
  assert.deepEqual(addon!.contract(), JSON.parse(JSON.stringify(NATIVE_CONTRACT)));
  assert.equal(contractMismatch(addon!.contract()), null);
  const other = structuredClone(addon!.contract()) as { arrays: { shape: string[] }[] };
  other.arrays[0].shape = ['B', 'H1'];
  assert.match(contractMismatch(other)!, /contract differs/);
});

test('a model whose decoder the native engine cannot run falls back to TF.js and says why, once', { skip }, () => {
  const warnings: string[] = [];
  const config = { ...tinyConfig(8), decoderHidden: [8, 8, 8] };
  const model = new AffineVAE(config, { seed: 1, engine: nativeEngine(addon!, 1), warn: (m) => warnings.push(m) });
  assert.equal(model.engine, tfjsEngine);
  assert.deepEqual(warnings, [model.engineFallback]);
  assert.match(warnings[0], /the native engine cannot run this model \(it runs decoders of exactly two hidden layers; this one has 3\); using the tfjs decoder/);
  const out = model.normalize(new Float32Array(784));
  assert.equal(out.length, 784);
  const fits = new AffineVAE(tinyConfig(8), { seed: 1, engine: nativeEngine(addon!, 1), warn: (m) => warnings.push(m) });
  assert.equal(fits.engine.name, 'native');
  assert.equal(fits.engineFallback, null);
  assert.equal(warnings.length, 1);
  model.dispose();
  fits.dispose();
});

// Every compiled variant this CPU runs (avx2 and generic here) is checked against TF.js.
const kernels: NativeKernel[] = addon ? addon.kernels() : ['generic'];
for (const c of cases) for (const kernel of kernels) {
  const label = `${kernel}: B=${c.B} P=${c.side}² Zc=${c.Zc} H=${c.H1}/${c.H2} C=${c.C ?? 1} threads=${c.threads}`;

  test(`native forward equals the TF.js decoder (${label})`, { skip }, () => {
    const { decoder, grid, content, warp } = setup(c, 1);
    const native = nativeEngine(addon!, c.threads, kernel);
    for (const w of [warp, null]) {
      const a = native.decode(decoder, content, w, grid).dataSync();
      const b = tfjsEngine.decode(decoder, content, w, grid).dataSync();
      assert.ok(relError(a, b) < 1e-5, `forward, warp ${w ? 'on' : 'off'}: ${relError(a, b)}`);
    }
  });

  for (const kind of ['sse', 'bce'] as const)
  test(`native ${kind} and every gradient equal TF.js autograd (${label})`, { skip }, () => {
    const { decoder, grid, content, warp, target } = setup(c, 2);
    const native = nativeEngine(addon!, c.threads, kernel);
    const params = [...decoder.hidden, decoder.output].flatMap((d) => [d.kernel, d.bias]);
    const run = (engine: DecoderEngine) => {
      const f = (cc: tf.Tensor, ww: tf.Tensor, ...weights: tf.Tensor[]) => {
        void weights;
        return tf.mul(engine.imageLoss(decoder, cc as tf.Tensor2D, ww as tf.Tensor2D, grid, target, kind, true).loss, 0.37);
      };
      const { value, grads } = tf.variableGrads(() => f(content, warp) as tf.Scalar, params);
      const [gc, gw] = tf.grads((cc: tf.Tensor, ww: tf.Tensor) => f(cc, ww))([content, warp]);
      return { value: value.dataSync()[0], grads: params.map((p) => grads[p.name].dataSync()), gc: gc.dataSync(), gw: gw.dataSync() };
    };
    const n = run(native);
    const t = run(tfjsEngine);
    assert.ok(Math.abs(n.value - t.value) / t.value < 1e-5, `${kind} ${n.value} vs ${t.value}`);
    assert.ok(relError(n.gc, t.gc) < 1e-3, `d content: ${relError(n.gc, t.gc)}`);
    assert.ok(relError(n.gw, t.gw) < 1e-3, `d affine: ${relError(n.gw, t.gw)}`);
    params.forEach((p, i) => assert.ok(relError(n.grads[i], t.grads[i]) < 1e-3, `d ${p.name}: ${relError(n.grads[i], t.grads[i])}`));
  });

  test(`native backward of an arbitrary image gradient equals autograd (${label})`, { skip }, () => {
    const built = setup(c, 3);
    const { decoder, grid, content, warp } = built;
    const P = c.side * c.side * (c.C ?? 1); // values per image
    const dimage = new Rng(9).normals(c.B * P);
    const l2 = decoder.hidden[1];
    const r = addon!.run({ ...addonArgs(c, built), grad: 1, dimage, kernel });
    const weighted = (cc: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.mul(decoder.decode(cc as tf.Tensor2D, ww as tf.Tensor2D, grid), tf.tensor2d(dimage, [c.B, P])));
    const [gc, gw] = tf.grads(weighted)([content, warp]);
    assert.ok(relError(r.dcontent!, gc.dataSync()) < 1e-3);
    assert.ok(relError(r.daffine!, gw.dataSync()) < 1e-3);
    const { grads } = tf.variableGrads(() => weighted(content, warp) as tf.Scalar, [l2.kernel]);
    assert.ok(relError(r.dW2!, grads[l2.kernel.name].dataSync()) < 1e-3);
    const out = decoder.output;
    const last = tf.variableGrads(() => weighted(content, warp) as tf.Scalar, [out.kernel, out.bias]).grads;
    assert.ok(relError(r.dW3!, last[out.kernel.name].dataSync()) < 1e-3, `dW3: ${relError(r.dW3!, last[out.kernel.name].dataSync())}`);
    assert.ok(relError(r.db3!, last[out.bias.name].dataSync()) < 1e-3);
  });
}

test('the addon rejects wrong inputs with a clear error', { skip }, () => {
  assert.throws(() => addon!.run({ B: 1 } as never), /'P' must be a number/);
  const good = { B: 1, P: 1, Zc: 1, H1: 1, H2: 1, C: 1, threads: 1, grad: 0 as const, content: new Float32Array(1), affine: null, grid: new Float32Array(2), W1: new Float32Array(3), b1: new Float32Array(1), W2: new Float32Array(1), b2: new Float32Array(1), W3: new Float32Array(1), b3: new Float32Array(1) };
  assert.equal(addon!.run(good).image.length, 1);
  assert.throws(() => addon!.run({ ...good, W1: new Float32Array(2) }), /'W1' has 2 elements, needs 3/);
  assert.throws(() => addon!.run({ ...good, grid: [0, 0] as never }), /'grid' must be a Float32Array/);
  assert.throws(() => addon!.run({ ...good, grad: 1 }), /gradients need 'target' or 'dimage'/);
  assert.throws(() => addon!.run({ ...good, C: 2 }), /'W3' has 1 elements, needs 2/);
  assert.throws(() => addon!.run({ ...good, C: 17, W3: new Float32Array(17), b3: new Float32Array(17) }), /C \(outputs per point\) is at most 16/);
});

test('a training step on the native engine matches the TF.js engine', { skip }, () => {
  const split = validationSplit(slice(loadMnist('train'), 0, 200), 0.1);
  const step = (native: boolean) => {
    const model = new AffineVAE(tinyConfig(24), { seed: 8, engine: native ? nativeEngine(addon!, 2) : tfjsEngine });
    assert.equal(model.engine.name, native ? 'native' : 'tfjs');
    const trainer = new Trainer(model, split, { ...SEED_TRAIN, batch: 30, seed: 2 }, { microBatch: 13 });
    const idx = Int32Array.from({ length: 30 }, (_, i) => i);
    const losses = [trainer.trainStep(split.train, idx).loss, trainer.trainStep(split.train, idx).loss];
    const weights = Object.fromEntries(Object.entries(model.namedWeights()).map(([k, v]) => [k, v.dataSync().slice()]));
    trainer.dispose();
    model.dispose();
    return { losses, weights };
  };
  const n = step(true);
  const t = step(false);
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(n.losses[i] - t.losses[i]) < 1e-5 * t.losses[i], `loss ${n.losses[i]} vs ${t.losses[i]}`);
  // Adam moves every weight by about lr = 1e-3 per step, whatever the gradient's size; the two
  // engines' weights must agree to a hundredth of that.
  for (const name of Object.keys(t.weights)) {
    const diff = maxAbsDiff(n.weights[name], t.weights[name]);
    assert.ok(diff < 1e-5, `${name}: ${diff}`);
  }
});

test('the native engine is deterministic: the same inputs give bit-identical gradients', { skip }, () => {
  const c: Case = { B: 9, side: 12, Zc: 10, H1: 32, H2: 32, threads: 2 };
  const built = setup(c, 5);
  const args = { ...addonArgs(c, built), grad: 1 as const, target: built.target.dataSync() as Float32Array };
  const a = addon!.run(args);
  for (let r = 0; r < 5; r++) {
    const b = addon!.run(args);
    assert.equal(b.sse, a.sse);
    assert.deepEqual(Array.from(b.dW2!), Array.from(a.dW2!));
    assert.deepEqual(Array.from(b.dW1!), Array.from(a.dW1!));
  }
});

test('the native run flushes subnormal floats to zero, and gives the caller its floating-point mode back', { skip: skip || (process.arch === 'x64' ? false : 'the flush is x86 only') }, () => {
  for (const threads of [1, 2]) {
    const c: Case = { B: 3, side: 6, Zc: 4, H1: 16, H2: 16, threads };
    const built = setup(c, 13);
    // An image gradient of 1e-39 (below float32's smallest normal, 1.2e-38): read as zero, so
    // every gradient is exactly zero; with subnormals kept, each would be about 1e-40.
    const tiny = Float32Array.from(new Rng(2).normals(c.B * c.side * c.side), (v) => 1e-39 * (1 + Math.abs(v)));
    assert.ok(tiny.every((v) => v > 0), 'float32 keeps 1e-39 as a subnormal');
    const r = addon!.run({ ...addonArgs(c, built), grad: 1, dimage: tiny });
    for (const k of ['dW3', 'db3', 'dW2', 'dW1', 'dcontent', 'daffine'] as const) {
      assert.ok(r[k]!.every((v) => v === 0), `${k} (threads ${threads}): ${r[k]!.find((v) => v !== 0)}`);
    }
    // The thread that called the addon has subnormals again. A runtime value, so that nothing
    // is folded at compile time.
    const one = Number(process.env.AFFINE_VAE_TEST_ONE ?? '1');
    assert.ok(Number.MIN_VALUE * one > 0, 'double subnormals after the run');
    assert.ok(Math.fround(1e-40 * one) > 0, 'float32 subnormals after the run');
  }
});

test('the native products skip relu zeros, count the work they did, and give the dense numbers', { skip }, () => {
  const argsOf = (c: Case) => {
    const built = setup(c, 7);
    return { ...addonArgs(c, built), target: built.target.dataSync() as Float32Array };
  };
  // Any width: 48 fills whole 16-column panels, 20 and 40 end in a part-filled one.
  for (const c of [{ B: 4, side: 14, Zc: 10, H1: 64, H2: 48, threads: 2 }, { B: 3, side: 9, Zc: 3, H1: 20, H2: 40, threads: 1 }, { B: 3, side: 9, Zc: 3, H1: 20, H2: 40, threads: 2, C: 3 }])
  for (const kernel of kernels) {
    const args = { ...argsOf(c), kernel };
    const dense = c.B * c.side * c.side * c.H1 * c.H2;
    const forward = addon!.run({ ...args, grad: 0 });
    assert.equal(forward.denseMacs, dense);
    assert.ok(forward.macs > 0.2 * dense && forward.macs < 0.95 * dense, `${kernel} forward executed ${forward.macs / dense}`);
    const training = addon!.run({ ...args, grad: 1 });
    assert.equal(training.denseMacs, 3 * dense);
    assert.ok(training.macs > forward.macs && training.macs < 0.95 * 3 * dense, `${kernel} training executed ${training.macs / (3 * dense)}`);
    // Forced dense, the same kernel sums the same products in the same order: only the zeros
    // that skipping leaves out are added, so every number is the same.
    process.env.AFFINE_VAE_DENSE_PRODUCTS = '1';
    let dense1: NativeRunResult;
    try {
      dense1 = addon!.run({ ...args, grad: 1 });
    } finally {
      delete process.env.AFFINE_VAE_DENSE_PRODUCTS;
    }
    assert.equal(dense1.macs, 3 * dense);
    assert.equal(dense1.sse, training.sse);
    for (const k of ['image', 'dW1', 'db1', 'dW2', 'db2', 'dW3', 'dcontent', 'daffine'] as const) {
      assert.equal(maxAbsDiff(dense1[k]!, training[k]!), 0, `${kernel} ${k}`);
    }
  }
});

test('the compiled variants agree to float rounding, and an unknown one is refused', { skip }, () => {
  assert.ok(kernels.includes('generic'), `kernels(): ${kernels}`);
  assert.throws(() => addon!.run({ ...addonArgs(cases[1], setup(cases[1], 1)), kernel: 'sse9' as NativeKernel }), /'kernel' must be a variant/);
  if (kernels.length < 2) return;
  const c: Case = { B: 5, side: 14, Zc: 10, H1: 96, H2: 80, threads: 2 };
  const built = setup(c, 11);
  const args = { ...addonArgs(c, built), grad: 1 as const, target: built.target.dataSync() as Float32Array };
  const [a, b] = kernels.map((kernel) => addon!.run({ ...args, kernel }));
  assert.equal(a.macs, b.macs); // the same columns skipped
  assert.ok(Math.abs(a.sse - b.sse) / b.sse < 1e-6, `sse ${a.sse} vs ${b.sse}`);
  for (const k of ['image', 'dW1', 'dW2', 'dW3', 'dcontent', 'daffine'] as const) {
    assert.ok(relError(a[k]!, b[k]!) < 1e-5, `${k}: ${relError(a[k]!, b[k]!)}`);
  }
});

test('on the native engine, a run stopped mid-epoch and resumed matches an uninterrupted one exactly', { skip }, async () => {
  const engine = nativeEngine(addon!, 2);
  const split = validationSplit(slice(loadMnist('train'), 0, 300), 0.1);
  const schedule = { ...SEED_TRAIN, epochs: 2, batch: 40, seed: 3 };
  const straight = new AffineVAE(tinyConfig(16), { seed: 6, engine });
  const t1 = new Trainer(straight, split, schedule);
  await t1.run();
  const stopped = new AffineVAE(tinyConfig(16), { seed: 6, engine });
  const t2 = new Trainer(stopped, split, schedule);
  let steps = 0;
  let snapshot: TrainerSnapshot | null = null;
  await t2.run({
    onStep: () => steps++,
    shouldStop: () => steps === 9, // 7 steps per epoch: stops inside epoch 2
    onStop: (s) => {
      // Copy the tensors, as writing a checkpoint would.
      snapshot = { state: s.state, weights: copy(s.weights), optimizer: copy(s.optimizer) };
    },
  });
  const resumed = new AffineVAE(tinyConfig(16), { seed: 99, engine });
  const t3 = new Trainer(resumed, split, schedule);
  t3.restore(snapshot!);
  await t3.run();
  for (const [name, w] of Object.entries(straight.namedWeights())) {
    assert.deepEqual(Array.from(resumed.namedWeights()[name].dataSync()), Array.from(w.dataSync()), name);
  }
});

function copy(map: tf.NamedTensorMap): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, tf.clone(v)]));
}
