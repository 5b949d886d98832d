import type { ImageSet } from '../data/dataset.ts';
import { toUnit } from '../data/pixels.ts';
import { inkFrames } from '../model/orientation.ts';
import { type Transform, compose, wrapDegrees as wrap } from '../model/transform.ts';
import type { AffineVAE } from '../model/vae.ts';
import { circularCorrelation, pearson } from './suite.ts';

/**
 * Scoring the pose a model reads against the pose a data set applied (`mnist-pose:` sets keep it
 * in `ImageSet.poses`), as the anchors score it: rotation by circular correlation after
 * subtracting what the model reads on the upright digit, translation by Pearson correlation.
 */

/** How well a model reads the applied poses of a posed set. */
export interface AppliedPoseRecovery {
  images: number;
  /** Circular correlation of the read rotation (posed minus upright) with the applied one. */
  rotationCorrelation: number;
  /** Mean |read − applied| rotation, degrees, wrapped to ±180. */
  rotationErrorDeg: number;
  /** The same over digits other than 6 and 9 (a turned 6 is a 9). */
  rotationErrorDegNo69: number;
  /** The same, counting a reading off by a half turn as right (what a 6/9-blind code can do). */
  rotationErrorDegModHalfTurn: number;
  /** The share of digits read more than 90° off: half-turn flips. */
  flipped: number;
  /** Mean rotation error per digit class 0–9 (NaN for a class with no images; empty without labels). */
  rotationErrorByDigit: number[];
  /**
   * Pearson correlation of the shift read (the posed digit's centre less the upright digit's,
   * turned by the read rotation) with the applied shift, x and y.
   */
  translationCorrelationX: number;
  translationCorrelationY: number;
  /**
   * Mean distance, pixels, between the centre the model reads on the posed digit and where the
   * applied pose takes the centre it reads on the upright one.
   */
  translationErrorPx: number;
  /** The read relative rotations, degrees (for charts). */
  inferredRotation: number[];
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);

/**
 * Reads the pose of each posed image and of its upright original (the same digits, framed, not
 * moved) and compares the difference with `posed.poses`.
 */
export function appliedPoseRecovery(model: AffineVAE, posed: ImageSet, upright: ImageSet): AppliedPoseRecovery {
  checkPair(posed, upright);
  return scoreAppliedPoses(posed, model.inferTransform(toUnit(posed.images)), model.inferTransform(toUnit(upright.images)));
}

/** What a pose reader gives per image: rotation (degrees, counter-clockwise on screen) and the image's translation (grid units, x right, y down). */
export type PoseReading = Pick<Transform, 'rotation' | 'translateX' | 'translateY'>;

/**
 * The baseline that reads no model: each image's orientation from its ink's third moment
 * (`model/orientation.ts`) and its position from its ink's centroid. Both turn and move with the
 * image, so under the anchors' protocol (posed minus upright) they score near perfectly: the
 * protocol measures whether a read turns with the image, which any such statistic does.
 */
export function momentPoseRecovery(posed: ImageSet, upright: ImageSet): AppliedPoseRecovery {
  checkPair(posed, upright);
  return scoreAppliedPoses(posed, momentPoses(posed), momentPoses(upright));
}

function momentPoses(set: ImageSet): PoseReading[] {
  const { turns, centres } = inkFrames(toUnit(set.images), set.n, set.height, set.width, set.channels ?? 1);
  return Array.from({ length: set.n }, (_, i) => ({ rotation: -turns[i], translateX: centres[2 * i], translateY: centres[2 * i + 1] }));
}

function checkPair(posed: ImageSet, upright: ImageSet): void {
  if (!posed.poses) throw new Error('the posed set keeps no poses (use an mnist-pose: data set)');
  if (upright.n !== posed.n) throw new Error(`${posed.n} posed images but ${upright.n} upright ones`);
}

/** Scores readings of a posed set and of its upright digits against the poses the set applied. */
export function scoreAppliedPoses(posed: ImageSet, read: PoseReading[], base: PoseReading[]): AppliedPoseRecovery {
  const applied = posed.poses!;
  const n = posed.n;
  const half = (posed.width - 1) / 2; // pixels per grid unit
  const rotation = read.map((r, i) => wrap(r.rotation - base[i].rotation));
  const truth = Array.from({ length: n }, (_, i) => applied[3 * i]);
  const errors = rotation.map((r, i) => Math.abs(wrap(r - truth[i])));
  const labels = posed.labels;
  // The shift read: where the posed digit's centre is read, less where the read turn takes the
  // centre read on the upright digit (the anchors' "after subtracting the upright prediction").
  const shifts = read.map((r, i) => {
    const [a, b, c, d] = compose(rotation[i], 1, 1, 0);
    const [ux, uy] = [base[i].translateX, base[i].translateY];
    return [(r.translateX - a * ux - b * uy) * half, (r.translateY - c * ux - d * uy) * half];
  });
  const distances = read.map((r, i) => {
    // The applied pose turns about the frame's centre, then shifts (grid units).
    const [a, b, c, d] = compose(truth[i], 1, 1, 0);
    const [ux, uy] = [base[i].translateX, base[i].translateY];
    const ex = a * ux + b * uy + applied[3 * i + 1] / half;
    const ey = c * ux + d * uy + applied[3 * i + 2] / half;
    return Math.hypot(r.translateX - ex, r.translateY - ey) * half;
  });
  return {
    images: n,
    rotationCorrelation: circularCorrelation(rotation, truth),
    rotationErrorDeg: mean(errors),
    rotationErrorDegNo69: mean(errors.filter((_, i) => !labels || (labels[i] !== 6 && labels[i] !== 9))),
    rotationErrorDegModHalfTurn: mean(errors.map((e) => Math.min(e, 180 - e))),
    flipped: errors.filter((e) => e > 90).length / n,
    rotationErrorByDigit: labels ? Array.from({ length: 10 }, (_, c) => (errors.some((_, i) => labels[i] === c) ? mean(errors.filter((_, i) => labels[i] === c)) : NaN)) : [],
    translationCorrelationX: pearson(shifts.map((s) => s[0]), Array.from({ length: n }, (_, i) => applied[3 * i + 1])),
    translationCorrelationY: pearson(shifts.map((s) => s[1]), Array.from({ length: n }, (_, i) => applied[3 * i + 2])),
    translationErrorPx: mean(distances),
    inferredRotation: rotation,
  };
}
