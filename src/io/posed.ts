import type { ImageSet } from '../data/dataset.ts';
import { toBytes, toUnit } from '../data/pixels.ts';
import { frameImages } from '../data/center.ts';
import { compose, wrapDegrees } from '../model/transform.ts';
import { Rng } from '../model/rng.ts';
import { transformImages } from '../model/transform-images.ts';

/**
 * The anchors' benchmark data (TARGET-VAE's MNIST(N) and MNIST(U)): each digit placed in the
 * middle of a larger frame, turned about the frame's centre and shifted by a seeded random pose,
 * with the pose kept beside the image so that evaluation can score what a model reads.
 */

/** How poses are drawn: `rotation` and `shift` are standard deviations (`normal`) or half-ranges (`uniform`). */
export interface PoseDistribution {
  kind: 'normal' | 'uniform';
  /** Side of the square frame, pixels. */
  frame: number;
  /** Degrees: σ for `normal` (wrapped to ±180), the half-range for `uniform` (180: the full circle). */
  rotation: number;
  /** Pixels, per axis: σ for `normal`, the half-range for `uniform`. */
  shift: number;
}

/** MNIST(U): the full circle, shifts uniform in ±8 px, in a 50 × 50 frame. */
export const MNIST_U: PoseDistribution = Object.freeze({ kind: 'uniform', frame: 50, rotation: 180, shift: 8 });
/** MNIST(N): rotation `N(0, 45°²)`, shifts `N(0, 3 px²)` per axis, in a 50 × 50 frame. */
export const MNIST_N: PoseDistribution = Object.freeze({ kind: 'normal', frame: 50, rotation: 45, shift: 3 });

/**
 * The applied poses of a posed set, `n × 3`: rotation in degrees counter-clockwise on screen
 * (about the frame's centre), then the shift `(x, y)` in pixels (x right, y down).
 */
export type AppliedPoses = Float32Array;

/** `set`'s images placed in the middle of a `frame × frame` image (zeros around). */
export function framed(set: ImageSet, frame: number): ImageSet {
  if (set.height !== set.width) throw new Error(`only square images can be framed, got ${set.height}×${set.width}`);
  return { images: frameImages(set.images, set.n, set.width, frame), labels: set.labels, n: set.n, height: frame, width: frame };
}

/** `n` poses drawn from `d` with the generator seeded by `seed`. */
export function drawPoses(n: number, d: PoseDistribution, seed: number): AppliedPoses {
  const rng = new Rng(seed);
  const draw = (r: number) => (d.kind === 'normal' ? rng.normal() * r : (2 * rng.uniform() - 1) * r);
  const poses = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    poses[3 * i] = wrapDegrees(draw(d.rotation));
    poses[3 * i + 1] = draw(d.shift);
    poses[3 * i + 2] = draw(d.shift);
  }
  return poses;
}

/**
 * `set` framed by `d.frame` and moved by `poses` (`n × 3`, see {@link AppliedPoses}): turned about
 * the frame's centre, then shifted (bilinear, black outside). The poses ride along as `set.poses`.
 */
export function posedSet(set: ImageSet, d: PoseDistribution, poses: AppliedPoses): ImageSet {
  if (poses.length !== 3 * set.n) throw new Error(`expected ${set.n} poses, got ${poses.length / 3}`);
  const big = framed(set, d.frame);
  const unit = 2 / (d.frame - 1); // one pixel in grid units
  const p = d.frame * d.frame;
  // A thousand images at a time: as floats, all 60,000 training frames would take 1.2 GB.
  const chunk = 1000;
  for (let start = 0; start < set.n; start += chunk) {
    const end = Math.min(set.n, start + chunk);
    const T = Array.from({ length: end - start }, (_, i) => compose(poses[3 * (start + i)], 1, 1, 0));
    const t = Array.from({ length: end - start }, (_, i): [number, number] => [poses[3 * (start + i) + 1] * unit, poses[3 * (start + i) + 2] * unit]);
    const part = big.images.subarray(start * p, end * p);
    part.set(toBytes(transformImages(toUnit(part), end - start, d.frame, d.frame, T, t)));
  }
  return { ...big, poses };
}

/** A readable name of a distribution, for logs and reports. */
export function describePoses(d: PoseDistribution): string {
  const [r, s] = d.kind === 'normal' ? [`N(0, ${d.rotation}°²)`, `N(0, ${d.shift} px²)`] : [`U(±${d.rotation}°)`, `U(±${d.shift} px)`];
  return `${d.frame}×${d.frame} frame, rotation ${r}, shift ${s} per axis`;
}
