import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COSINE_FINAL_FRACTION, learningRateFactor, planSteps, type PlanInput } from '../src/train/schedule.ts';

test('learning-rate factor: a linear warm-up, then half a cosine that ends at the last step', () => {
  assert.equal(learningRateFactor('cosine', 0, 10, 110), 0.1);
  assert.equal(learningRateFactor('cosine', 4, 10, 110), 0.5);
  assert.equal(learningRateFactor('cosine', 9, 10, 110), 1);
  assert.equal(learningRateFactor('cosine', 10, 10, 110), 1);
  // Half-way through the decay: half-way between the peak and the floor.
  const mid = learningRateFactor('cosine', 10 + 99 / 2, 10, 110);
  assert.ok(Math.abs(mid - (1 + COSINE_FINAL_FRACTION) / 2) < 1e-12, String(mid));
  assert.ok(Math.abs(learningRateFactor('cosine', 109, 10, 110) - COSINE_FINAL_FRACTION) < 1e-12);
  for (let s = 10; s < 109; s++) assert.ok(learningRateFactor('cosine', s + 1, 10, 110) < learningRateFactor('cosine', s, 10, 110), `falls at ${s}`);
  // Constant: the warm-up only; an unplanned run knows only its warm-up.
  assert.equal(learningRateFactor('constant', 3, 4, 100), 1);
  assert.equal(learningRateFactor('constant', 50, 0, 100), 1);
  assert.equal(learningRateFactor('cosine', 2, 4, null), 0.75);
  assert.equal(learningRateFactor('cosine', 50, 4, null), 1);
});

test('a time budget plans the most steps whose training and validations fit', () => {
  let x = 12345;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let trial = 0; trial < 300; trial++) {
    const p: PlanInput = {
      remaining: 5 + rand() * 300,
      stepSeconds: 0.01 + rand() * 0.3,
      done: Math.floor(rand() * 40),
      stepsPerEpoch: 1 + Math.floor(rand() * 700),
      validationSeconds: rand() * 3,
      after: rand() * 10,
    };
    // What a run of `total` steps costs from here: its steps, one validation at each epoch end
    // still to come (one may be due at `done` itself: plans are made inside a step) and one at its
    // end, and what runs after the loop.
    const cost = (total: number) => {
      let validations = 1;
      for (let s = Math.max(1, p.done); s < total; s++) if (s % p.stepsPerEpoch === 0) validations++;
      return (total - p.done) * p.stepSeconds + validations * p.validationSeconds + p.after;
    };
    const total = planSteps(p);
    assert.ok(total >= p.done + 1, 'at least one step');
    if (total > p.done + 1) assert.ok(cost(total) <= p.remaining, `plan ${total} overruns: ${JSON.stringify(p)}`);
    assert.ok(cost(total + 1) > p.remaining, `plan ${total} leaves a step unused: ${JSON.stringify(p)}`);
  }
});
