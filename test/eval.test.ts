import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ImageSet } from '../src/data/dataset.ts';
import { slice } from '../src/data/dataset.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { imageMoments, momentNormalize, principalAngle } from '../src/eval/moments.ts';
import { circularCorrelation, invariance, nearestNeighbourAccuracy, pearson, poseRecovery, transformSet } from '../src/eval/suite.ts';
import { transformImages } from '../src/model/transform-images.ts';
import { NATURAL_RANGES } from '../src/eval/transforms.ts';
import { compose, decompose, invert as inverseOf, multiply as mul, type Mat2 } from '../src/model/transform.ts';
import { AffineVAE } from '../src/model/vae.ts';
import { evaluationReport, reportMarkdown } from '../src/eval/report.ts';
import { toUnit } from '../src/data/pixels.ts';
import { maxAbsDiff, tinyConfig, useBackend } from './helpers.ts';

before(useBackend);

/** A 28×28 bar through the centre, tilted `deg` counter-clockwise on screen. */
function bar(deg: number): Float32Array {
  const img = new Float32Array(784);
  const t = (deg * Math.PI) / 180;
  for (let s = -9; s <= 9; s += 0.25) {
    const x = Math.round(13.5 - s * Math.sin(t));
    const y = Math.round(13.5 - s * Math.cos(t));
    img[y * 28 + x] = 1;
  }
  return img;
}

const digits = (): ImageSet => slice(loadMnist('test'), 0, 60);

test('transformImages: the identity is exact; a 90° turn moves pixels where expected', () => {
  const img = Float32Array.from({ length: 25 }, (_, i) => i);
  assert.deepEqual(Array.from(transformImages(img, 1, 5, 5, [[1, 0, 0, 1]])), Array.from(img));
  const one = new Float32Array(25);
  one[0 * 5 + 4] = 1; // top right
  const turned = transformImages(one, 1, 5, 5, [compose(90, 1, 1, 0)]); // counter-clockwise on screen
  assert.equal(turned[0 * 5 + 0], 1); // top right -> top left
});

test('principal angle of a tilted bar, and moment rotation sets it upright', () => {
  for (const deg of [0, 25, -30]) assert.ok(Math.abs(principalAngle(bar(deg), 28, 28) - deg) < 2, `${deg}: ${principalAngle(bar(deg), 28, 28)}`);
  const upright = momentNormalize(bar(25), 1, 28, 28, true);
  assert.ok(Math.abs(principalAngle(upright, 28, 28)) < 2);
});

test('moment deskew removes the slant and centres the digit', () => {
  const slanted = transformImages(bar(0), 1, 28, 28, [[1, 0.4, 0, 1]], [[0.2, 0.1]]); // sheared and shifted
  const before = imageMoments(slanted, 28, 28);
  assert.ok(Math.abs(before.vxy) > 0.01);
  const after = imageMoments(momentNormalize(slanted, 1, 28, 28), 28, 28);
  assert.ok(Math.abs(after.vxy) < 0.1 * Math.abs(before.vxy), `cov ${before.vxy} -> ${after.vxy}`);
  assert.ok(Math.hypot(after.cx, after.cy) < 0.03, `centre (${after.cx}, ${after.cy})`);
});

test('invariance: the identity gives 1, an oracle that undoes the transform gives about 0', () => {
  const t = transformSet(digits(), NATURAL_RANGES, 3);
  assert.equal(invariance((x) => x, t), 1);
  const oracle = (x: Float32Array, n: number) =>
    x === t.transformed ? transformImages(x, n, 28, 28, t.applied.map((a) => inverseOf(a.matrix))) : x;
  const v = invariance(oracle, t);
  assert.ok(v < 0.15, `oracle invariance ${v}`); // bilinear resampling twice blurs a little
  const constant = (x: Float32Array) => new Float32Array(x.length);
  assert.equal(invariance(constant, t), 0); // why the report also shows 1-NN accuracy: content must be kept
});

test('pose recovery is exact for a model that reads the applied transform', () => {
  const t = transformSet(digits(), { rotation: 45, shear: 0.3, scale: 0.2 }, 4);
  const base: Mat2 = compose(7, 1.1, 0.9, 0.05); // the same arbitrary pose on every original
  const fake = {
    inferTransform: (x: Float32Array) =>
      t.applied.map((a, i) => decompose(x === t.transformed ? mul(a.matrix, base) : base)).slice(0, x.length / 784),
  } as unknown as AffineVAE;
  const r = poseRecovery(fake, t);
  assert.ok(r.rotationErrorDeg < 1e-6);
  assert.ok(Math.abs(r.rotationCorrelation - 1) < 1e-9);
  assert.ok(r.shearError < 1e-6 && Math.abs(r.shearCorrelation - 1) < 1e-6);
  assert.ok(r.scaleError < 1e-6 && Math.abs(r.scaleCorrelation - 1) < 1e-6);
});

test('correlations and 1-NN on cases with known answers', () => {
  assert.ok(Math.abs(circularCorrelation([10, -20, 30, 5], [10, -20, 30, 5]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [6, 4, 2]) + 1) < 1e-12);
  const set = digits();
  const x = Float32Array.from(set.images, (v) => v / 255);
  assert.equal(nearestNeighbourAccuracy(x, set.labels!, x, set.labels!, 784), 1);
  const wrong = set.labels!.map((l) => (l + 1) % 10);
  assert.equal(nearestNeighbourAccuracy(x, set.labels!, x, wrong, 784), 0);
});

test('appliedPoseRecovery: a reader of the true pose scores 1 and 0; half-turn flips show in the error, not modulo a half turn', async () => {
  const { appliedPoseRecovery } = await import('../src/eval/pose.ts');
  const { loadDataset } = await import('../src/io/datasets.ts');
  const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, 200);
  const upright = slice(loadDataset('mnist-pose:upright', 'test'), 0, 200);
  const half = 49 / 2; // pixels per grid unit in a 50-pixel frame
  const poses = posed.poses!;
  // Each upright digit reads a pose of its own; its posed copy reads that pose moved by the
  // applied one (turned about the frame's centre, then shifted), plus a half turn where `flip`.
  const base = (i: number) => ({ rotation: ((i * 37) % 50) - 25, cx: ((i % 7) - 3) / 40, cy: ((i % 5) - 2) / 40 });
  const reader = (flip: (i: number) => boolean) => {
    let calls = 0;
    return {
      // appliedPoseRecovery reads the posed set first, then the upright one.
      inferTransform: (x: Float32Array) => {
        const isPosed = calls++ === 0;
        return Array.from({ length: x.length / 2500 }, (_, i) => {
          const b = base(i);
          if (!isPosed) return { ...decompose(compose(b.rotation, 1, 1, 0)), translateX: b.cx, translateY: b.cy };
          const [rot, sx, sy] = [poses[3 * i], poses[3 * i + 1], poses[3 * i + 2]];
          const [m00, m01, m10, m11] = compose(rot, 1, 1, 0);
          const read = decompose(compose(b.rotation + rot + (flip(i) ? 180 : 0), 1, 1, 0));
          return { ...read, translateX: m00 * b.cx + m01 * b.cy + sx / half, translateY: m10 * b.cx + m11 * b.cy + sy / half };
        });
      },
    } as unknown as AffineVAE;
  };
  const exact = appliedPoseRecovery(reader(() => false), posed, upright);
  assert.ok(exact.rotationErrorDeg < 1e-6 && exact.rotationErrorDegNo69 < 1e-6, `${exact.rotationErrorDeg}`);
  assert.ok(Math.abs(exact.rotationCorrelation - 1) < 1e-9);
  assert.ok(Math.abs(exact.translationCorrelationX - 1) < 1e-6 && Math.abs(exact.translationCorrelationY - 1) < 1e-6);
  assert.ok(exact.translationErrorPx < 1e-6);
  const flipped = appliedPoseRecovery(reader((i) => i % 2 === 0), posed, upright);
  assert.ok(Math.abs(flipped.rotationErrorDeg - 90) < 1e-6, `${flipped.rotationErrorDeg}`);
  assert.ok(flipped.rotationErrorDegModHalfTurn < 1e-6);
  assert.equal(flipped.flipped, 0.5);
  assert.equal(exact.flipped, 0);
  // Per digit: the flipped half's error is 180°, the rest 0°, so each class's mean is 180 × its flipped share.
  for (let c = 0; c < 10; c++) {
    const mine = Array.from(posed.labels!).flatMap((l, i) => (l === c ? [i % 2 === 0 ? 180 : 0] : []));
    assert.ok(Math.abs(flipped.rotationErrorByDigit[c] - mine.reduce((a, b) => a + b, 0) / mine.length) < 1e-6, `digit ${c}`);
  }
  assert.ok(flipped.rotationCorrelation < 0.5);
  assert.throws(() => appliedPoseRecovery(reader(() => false), { ...posed, poses: undefined }, upright), /keeps no poses/);
});

test('the ink-moment pose baseline turns and moves with the image, so the posed-minus-upright protocol scores it near perfectly', async () => {
  const { momentPoseRecovery } = await import('../src/eval/pose.ts');
  const { loadDataset } = await import('../src/io/datasets.ts');
  const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, 200);
  const upright = slice(loadDataset('mnist-pose:upright', 'test'), 0, 200);
  const r = momentPoseRecovery(posed, upright);
  assert.ok(r.rotationErrorDeg < 2 && r.rotationCorrelation > 0.99 && r.flipped === 0, `${r.rotationErrorDeg}°, corr ${r.rotationCorrelation}`);
  assert.ok(r.translationCorrelationX > 0.999 && r.translationCorrelationY > 0.999 && r.translationErrorPx < 0.1, `${r.translationErrorPx} px`);
  // It reads the images: paired with other digits' upright versions, it is lost.
  const shuffled = { ...upright, images: upright.images.slice(2500).slice(0, 199 * 2500), n: 199 };
  const wrong = momentPoseRecovery({ ...slice(posed, 0, 199) }, shuffled);
  assert.ok(wrong.rotationErrorDeg > 60, `${wrong.rotationErrorDeg}°`);
});

test('evaluationReport tells its progress: phases in order, never backwards, ending at the total; chunked normalizing changes nothing', () => {
  const model = new AffineVAE(tinyConfig(8), { seed: 4 });
  try {
    const set = slice(loadMnist('test'), 0, 300); // more than one chunk of 250
    const references = slice(loadMnist('train'), 0, 40);
    const seen: { phase: string; done: number; total: number }[] = [];
    const { report } = evaluationReport(model, {
      test: set,
      references,
      seed: 0,
      settings: [{ name: 'natural', ranges: NATURAL_RANGES }],
      clustering: { restarts: 1, sets: [{ name: 'test', set, references }] },
      onProgress: (p) => seen.push(p),
    });
    const total = seen[0].total;
    assert.ok(seen.every((p) => p.total === total && p.done <= total));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].done >= seen[i - 1].done, `${seen[i - 1].phase} → ${seen[i].phase}`);
    assert.deepEqual(seen.at(-1), { phase: 'done', done: total, total });
    // Just before 'done' every planned unit has been counted: the plan matches the work.
    assert.equal(seen.at(-2)!.done, total);
    const phases = [...new Set(seen.map((p) => p.phase))];
    assert.deepEqual(phases, ['likelihood', 'normalizing (model)', 'normalizing (model 5 passes)', 'normalizing (model resampled)', 'pose read-out (natural)', 'clustering (test)', 'done']);
    // The normalizers ran in chunks: the 300 upright digits came in 250 and 50.
    assert.ok(seen.filter((p) => p.phase === 'normalizing (model)').length >= 3);
    assert.equal(typeof report.nearestNeighbourUpright.model, 'number');
    // The clustered set came with labelled references: its rows carry the labelled 1-NN read.
    const pixels = report.clustering!.find((c) => c.features === 'pixels')!;
    assert.equal(pixels.nearestNeighbour, nearestNeighbourAccuracy(toUnit(set.images), set.labels!, toUnit(references.images), references.labels!, 784));
    assert.match(reportMarkdown(report, 'm'), new RegExp(`\\| labelled 1-NN \\|[^]*\\| test \\| pixels \\|[^\\n]*\\| ${pixels.nearestNeighbour!.toFixed(3)} \\|`));
    assert.equal(report.angleSearch, 0);
    assert.equal(report.momentAlign, false);
    assert.equal(report.poolTurns, 0);
    assert.doesNotMatch(reportMarkdown(report, 'm'), /pooled content/);
    assert.match(reportMarkdown({ ...report, poolTurns: 2 }, 'm'), /Its content is the mean of its readings of the image and of its half turn \(pooled content\)\./);
    // A posed set has no transform settings: no empty pose-recovery table, no empty verdict.
    assert.match(reportMarkdown(report, 'm'), /## Pose recovery[^]*\| natural \|[^]*## Verdict\n\n- natural: /);
    assert.doesNotMatch(reportMarkdown({ ...report, settings: [], verdicts: [] }, 'm'), /Pose recovery|Verdict/);
    const x = toUnit(set.images);
    const whole = model.normalize(x);
    const parts = new Float32Array(x.length);
    parts.set(model.normalize(x.subarray(0, 250 * 784)), 0);
    parts.set(model.normalize(x.subarray(250 * 784)), 250 * 784);
    assert.ok(maxAbsDiff(whole, parts) < 1e-5);
  } finally {
    model.dispose();
  }
});
