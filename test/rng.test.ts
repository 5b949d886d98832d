import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../src/model/rng.ts';

test('the same seed gives the same stream; another seed another one', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => c.nextUint32()), xs);
});

test('a restored state continues the exact stream, Box-Muller spare included', () => {
  const a = new Rng(7);
  a.normal(); // leaves a spare
  const state = structuredClone(a.getState());
  const next = [a.normal(), a.normal(), a.uniform()];
  const b = Rng.fromState(state);
  assert.deepEqual([b.normal(), b.normal(), b.uniform()], next);
});

test('normals have mean 0 and variance 1; permutations are permutations', () => {
  const r = new Rng(1);
  const xs = r.normals(20000);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  const p = r.permutation(100);
  assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(Array.from(p), Array.from({ length: 100 }, (_, i) => i));
});
