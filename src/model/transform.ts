/**
 * Reading the warp out as a human-sized transform.
 *
 * The seed warp samples the canonical (normalized) image at `[y', x'] = [y, x] @ A` for every
 * output pixel `[y, x]`, so the observed image is the canonical one moved by the inverse map.
 * We report that map, canonical → observed, in the usual convention: column vectors `(x, y)`
 * in grid units (−1..1 across the image), `y` pointing down as rows do:
 *
 *   T = S · (Aᵀ)⁻¹ · S,   S = [[0, 1], [1, 0]] (swaps (y, x) to (x, y))
 *
 * and decompose it exactly as `T = R(θ) · diag(sx, sy) · [[1, m], [0, 1]]`: a rotation after a
 * scaling after a shear (QR decomposition; `sy < 0` marks a reflection). `rotation` is reported
 * in degrees counter-clockwise as seen on screen (= −θ, since `y` points down). The seed warp has
 * no translation (SEED.md, point 1), so `translateX/Y` are 0 there; the translating presets
 * report where the canonical centre lands, in grid units.
 */

/** A 2×2 matrix `[[a, b], [c, d]]` as `[a, b, c, d]`. */
export type Mat2 = [number, number, number, number];

/** One image's pose, canonical → observed. */
export interface Transform {
  /** Degrees, counter-clockwise on screen. */
  rotation: number;
  scaleX: number;
  scaleY: number;
  /** `m` in `[[1, m], [0, 1]]`: x moves by m·y. */
  shear: number;
  translateX: number;
  translateY: number;
  /** `T` in (x, y) column-vector convention. */
  matrix: Mat2;
}

/** An angle in degrees brought into [−180, 180). */
export function wrapDegrees(d: number): number {
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

/** `T = R(θ)·diag(sx, sy)·[[1, m], [0, 1]]`, exactly, with `rotation = −θ` in degrees. */
export function decompose(T: Mat2, translate: [number, number] = [0, 0]): Transform {
  const [a, b, c, d] = T;
  const theta = Math.atan2(c, a);
  const sx = Math.hypot(a, c);
  const sy = (a * d - b * c) / sx;
  const u12 = Math.cos(theta) * b + Math.sin(theta) * d;
  return { rotation: (-theta * 180) / Math.PI, scaleX: sx, scaleY: sy, shear: u12 / sx, translateX: translate[0], translateY: translate[1], matrix: [a, b, c, d] };
}

/** The inverse of {@link decompose}: the matrix of a rotation, scale and shear. */
export function compose(rotation: number, scaleX: number, scaleY: number, shear: number): Mat2 {
  const theta = (-rotation * Math.PI) / 180;
  const [cs, sn] = [Math.cos(theta), Math.sin(theta)];
  // R · [[sx, sx·m], [0, sy]]
  const u = [scaleX, scaleX * shear, 0, scaleY];
  return [cs * u[0] - sn * u[2], cs * u[1] - sn * u[3], sn * u[0] + cs * u[2], sn * u[1] + cs * u[3]];
}

/**
 * The pose of an affine warp `[y', x'] = [y, x] @ [[a0, a1], [a2, a3]] + [a4, a5]` (see
 * `model/warp.ts`): `T = S·(Aᵀ)⁻¹·S` in (x, y) convention, and the translation of the observed
 * image, `−T·(a5, a4)` (a sampling point `g' = g·A + t` shows at `g = (g' − t)·A⁻¹`).
 */
export function poseFromAffine(a: ArrayLike<number>): { matrix: Mat2; translate: [number, number] } {
  const T = linearPose(a[0], a[1], a[2], a[3]);
  const [tx, ty] = [a[5], a[4]];
  return { matrix: T, translate: [-(T[0] * tx + T[1] * ty), -(T[2] * tx + T[3] * ty)] };
}

/** A pose to draw at: {@link Transform}'s fields, each optional (identity where left out). */
export interface Pose {
  /** Degrees, counter-clockwise on screen. */
  rotation?: number;
  scaleX?: number;
  scaleY?: number;
  shear?: number;
  /** Where the canonical centre lands, grid units (the image spans −1..1). */
  translateX?: number;
  translateY?: number;
}

/**
 * The affine warp (`model/warp.ts`'s six numbers) that shows the canonical image at `pose`: the
 * inverse of {@link poseFromAffine} on {@link compose}'s matrix, so that reading the pose of the
 * result back gives `pose` again.
 */
export function affineFromPose(pose: Pose): Float32Array {
  const T = compose(pose.rotation ?? 0, pose.scaleX ?? 1, pose.scaleY ?? 1, pose.shear ?? 0);
  if (!(Math.abs(T[0] * T[3] - T[1] * T[2]) > 1e-9)) throw new Error('a pose with zero scale cannot be drawn');
  // A ↦ S·(Aᵀ)⁻¹·S is its own inverse, so the map that reads T off A also builds A from T.
  const A = linearPose(...T);
  // translate = −T·(a5, a4), so (a5, a4) = −T⁻¹·translate.
  const Ti = invert(T);
  const [tx, ty] = [pose.translateX ?? 0, pose.translateY ?? 0];
  return Float32Array.from([...A, -(Ti[2] * tx + Ti[3] * ty), -(Ti[0] * tx + Ti[1] * ty)]);
}

/**
 * The seed warp's `A = I + s·[[p0, p1], [p3, p4]]` (acting as `[y, x] @ A`) as the observed-pose
 * matrix `T = S·(Aᵀ)⁻¹·S` in (x, y) convention.
 */
export function seedPose(p: ArrayLike<number>, scale: number): Mat2 {
  return linearPose(1 + scale * p[0], scale * p[1], scale * p[3], 1 + scale * p[4]);
}

function linearPose(a00: number, a01: number, a10: number, a11: number): Mat2 {
  // Aᵀ = [[a00, a10], [a01, a11]]; its inverse, then swap both axes (S·M·S reverses rows and columns).
  const det = a00 * a11 - a01 * a10;
  const inv = [a11 / det, -a10 / det, -a01 / det, a00 / det]; // (Aᵀ)⁻¹ in (y, x)
  return [inv[3], inv[2], inv[1], inv[0]];
}

/** `a · b`. */
export function multiply(a: Mat2, b: Mat2): Mat2 {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

/** `m⁻¹`. */
export function invert(m: Mat2): Mat2 {
  const det = m[0] * m[3] - m[1] * m[2];
  return [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det];
}
