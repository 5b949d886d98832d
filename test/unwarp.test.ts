import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageMoments, principalAngle } from '../src/eval/moments.ts';
import { compose, decompose, type Transform } from '../src/model/transform.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { transformImages } from '../src/model/transform-images.ts';

/** A 28×28 bar, 19 pixels long, 2 wide, upright through the centre. */
function uprightBar(): Float32Array {
  const img = new Float32Array(784);
  for (let y = 5; y <= 23; y++) img[y * 28 + 13] = img[y * 28 + 14] = 1;
  return img;
}

/**
 * `unwarp` with the encoder replaced by image moments: the pose it "infers" is the principal-axis
 * turn and the shift of the centre of mass, times `gain` and `shiftGain` (to imitate an encoder
 * that under-reads).
 */
function momentModel(gain: number, shiftGain = gain): AffineVAE {
  const model = Object.create(AffineVAE.prototype) as AffineVAE;
  Object.defineProperty(model, 'config', { value: { height: 28, width: 28 } });
  model.inferTransform = (images: Float32Array): Transform[] =>
    Array.from({ length: images.length / 784 }, (_, i) => {
      const img = images.subarray(784 * i, 784 * (i + 1));
      const { cx, cy } = imageMoments(img, 28, 28);
      return decompose(compose(gain * principalAngle(img, 28, 28), 1, 1, 0), [shiftGain * cx, shiftGain * cy]);
    });
  return model;
}

/** The bar turned by `deg` (counter-clockwise on screen) and moved by `(dx, dy)` grid units. */
function posed(deg: number, dx: number, dy: number): Float32Array {
  return transformImages(uprightBar(), 1, 28, 28, [compose(deg, 1, 1, 0)], [[dx, dy]]);
}

test('unwarp moves the input by the inverse of the inferred pose: turned and shifted back', () => {
  const input = posed(30, 0.2, -0.15);
  assert.ok(Math.abs(principalAngle(input, 28, 28) - 30) < 2);
  const out = momentModel(1).unwarp(input, { passes: 1 });
  const { cx, cy } = imageMoments(out, 28, 28);
  assert.ok(Math.abs(principalAngle(out, 28, 28)) < 2, `angle after ${principalAngle(out, 28, 28).toFixed(2)}°`);
  assert.ok(Math.hypot(cx, cy) < 0.02, `centre after (${cx.toFixed(3)}, ${cy.toFixed(3)})`);
  // Its own pixels: the ink is kept, not redrawn.
  const ink = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(ink(out) / ink(uprightBar()) - 1) < 0.1);
});

test('unwarp passes compose the pose left over: an encoder reading half the turn converges', () => {
  const input = posed(-40, 0.3, 0.2);
  const model = momentModel(0.5);
  const angle = (passes: number) => principalAngle(model.unwarp(input, { passes }), 28, 28);
  assert.ok(Math.abs(angle(1) + 20) < 2, `one pass leaves half: ${angle(1).toFixed(2)}°`);
  assert.ok(Math.abs(angle(4)) < 4, `four passes: ${angle(4).toFixed(2)}°`);
  assert.ok(Math.abs(angle(4)) < Math.abs(angle(2)));
  // The shift left over is read in each pass in the frame of the last result, so it must be
  // turned into the input frame before it adds up: 0.022 from the centre; adding it unturned
  // leaves 0.040.
  const { cx, cy } = imageMoments(model.unwarp(input, { passes: 4 }), 28, 28);
  assert.ok(Math.hypot(cx, cy) < 0.03, `centre after four passes (${cx.toFixed(3)}, ${cy.toFixed(3)})`);
});
