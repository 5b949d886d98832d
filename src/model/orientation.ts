import type { AlignFrame } from './config.ts';
import { rotationMatrix, transformImages } from './transform-images.ts';
import { wrapDegrees as wrap } from './transform.ts';
import { linspace } from './warp.ts';

/**
 * An orientation read from the pixels alone, full circle: the direction of the ink's third
 * moment `v = Σ w·|r|²·r`, `r` a grid point less the ink's centroid and `w` its ink. It turns
 * with the image and does not move with it, so the turn it implies for a digit turned by θ is
 * the digit's own turn less θ. Second moments (an axis) only give the orientation modulo a half
 * turn; the third moment says which end of the axis carries more ink far from the centre.
 */

/**
 * The ink's moments of one image: its mass, its centroid, and its second and third central
 * moments per unit of mass, in grid units (x right, y down; the frame spans [−1, 1]). The ink is
 * the mean over channels. All 0 for a blank image.
 */
export interface InkMoments {
  mass: number;
  cx: number;
  cy: number;
  vxx: number;
  vyy: number;
  vxy: number;
  /** The third moment `Σ w·|r|²·r / mass`, `(tx, ty)`. */
  tx: number;
  ty: number;
}

/** {@link InkMoments} of one `h × w × channels` image. */
export function inkMoments(image: Float32Array, h: number, w: number, channels = 1): InkMoments {
  // The model's grid points (`gridValues`), in double precision.
  const [ys, xs] = [linspace(-1, 1, h), linspace(-1, 1, w)];
  const ink = (i: number) => {
    let v = 0;
    for (let c = 0; c < channels; c++) v += image[i * channels + c];
    return v / channels;
  };
  const m: InkMoments = { mass: 0, cx: 0, cy: 0, vxx: 0, vyy: 0, vxy: 0, tx: 0, ty: 0 };
  for (let iy = 0, i = 0; iy < h; iy++) {
    for (let ix = 0; ix < w; ix++, i++) {
      const v = ink(i);
      m.mass += v;
      m.cx += v * xs[ix];
      m.cy += v * ys[iy];
    }
  }
  if (!(m.mass > 0)) return { mass: 0, cx: 0, cy: 0, vxx: 0, vyy: 0, vxy: 0, tx: 0, ty: 0 };
  [m.cx, m.cy] = [m.cx / m.mass, m.cy / m.mass];
  for (let iy = 0, i = 0; iy < h; iy++) {
    for (let ix = 0; ix < w; ix++, i++) {
      const v = ink(i);
      const [rx, ry] = [xs[ix] - m.cx, ys[iy] - m.cy];
      const r2 = rx * rx + ry * ry;
      m.vxx += v * rx * rx;
      m.vyy += v * ry * ry;
      m.vxy += v * rx * ry;
      m.tx += v * r2 * rx;
      m.ty += v * r2 * ry;
    }
  }
  for (const k of ['vxx', 'vyy', 'vxy', 'tx', 'ty'] as const) m[k] /= m.mass;
  return m;
}

/**
 * The ink's third moment of one `h × w × channels` image, as `(y, x)` like the model's grid.
 * `[0, 0]` for a blank image.
 */
export function thirdMoment(image: Float32Array, h: number, w: number, channels = 1): [number, number] {
  const m = inkMoments(image, h, w, channels);
  return [m.ty, m.tx];
}

/**
 * The angle of the principal axis (second moments) from vertical, degrees counter-clockwise on
 * screen, in (−90, 90].
 */
export function axisAngle(m: InkMoments): number {
  const theta = 0.5 * Math.atan2(2 * m.vxy, m.vxx - m.vyy); // from the x axis, toward +y (down)
  let fromVertical = (-theta * 180) / Math.PI - 90;
  while (fromVertical <= -90) fromVertical += 180;
  while (fromVertical > 90) fromVertical -= 180;
  return fromVertical;
}

/**
 * The turn, degrees counter-clockwise on screen, that points the third moment up (toward the
 * first row); 0 for a blank image. The grid's y grows down the rows: the moment's angle from up,
 * counter-clockwise on screen (toward −x), is atan2(−tx, −ty), and turning by minus it points it up.
 */
function inkTurn(m: InkMoments): number {
  if (m.ty === 0 && m.tx === 0) return 0;
  return (-Math.atan2(-m.tx, -m.ty) * 180) / Math.PI;
}

/** The turn that stands the principal axis upright with the end the third moment points to on top. */
function axisTurn(m: InkMoments): number {
  if (!(m.mass > 0)) return 0;
  // Turning by minus the axis angle stands the axis up; the half turn that also keeps the
  // third moment's end on top is the one within 90° of the ink turn.
  const up = -axisAngle(m);
  return Math.abs(wrap(up - inkTurn(m))) <= 90 ? wrap(up) : wrap(up + 180);
}

/**
 * Each of `n` images' (`h × w × channels` values each, in [0, 1]) turn into `frame`, degrees
 * counter-clockwise on screen as `transformImages` turns, and its ink's centroid `(x, y)` in
 * grid units (x right, y down; the frame's centre is 0), `n × 2`. One pass over the moments.
 */
export function inkFrames(images: Float32Array, n: number, h: number, w: number, channels = 1, frame: AlignFrame = 'ink'): { turns: Float32Array; centres: Float32Array } {
  const v = h * w * channels;
  const turns = new Float32Array(n);
  const centres = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const m = inkMoments(images.subarray(i * v, (i + 1) * v), h, w, channels);
    turns[i] = frame === 'axis' ? axisTurn(m) : inkTurn(m);
    [centres[2 * i], centres[2 * i + 1]] = [m.cx, m.cy];
  }
  return { turns, centres };
}

/** For each of `n` images, the turn that points its third moment up ({@link inkFrames}, the `ink` frame). */
export function inkTurns(images: Float32Array, n: number, h: number, w: number, channels = 1): Float32Array {
  return inkFrames(images, n, h, w, channels, 'ink').turns;
}

/**
 * For each of `n` images, the turn (as {@link inkTurns}) that stands the ink's principal axis
 * upright, with the end its third moment points to on top. It also turns with the image, and it
 * sits nearer to how digits are written than {@link inkTurns}: most digits are drawn along a
 * near-vertical axis. Where the axis is undefined (a round blob) or the third moment lies across
 * it, small changes can flip it. 0 for a blank image.
 */
export function axisTurns(images: Float32Array, n: number, h: number, w: number, channels = 1): Float32Array {
  return inkFrames(images, n, h, w, channels, 'axis').turns;
}

/** For each of `n` images, its ink's centroid `(x, y)` in grid units, `n × 2` ({@link inkFrames}). */
export function inkCentres(images: Float32Array, n: number, h: number, w: number, channels = 1): Float32Array {
  return inkFrames(images, n, h, w, channels).centres;
}

/**
 * `n` images (`h × w × channels`) turned by `degrees[i]` (counter-clockwise, bilinear, about the
 * frame's centre), each first moved so that `centres[i]` (`(x, y)` grid units) lands on the
 * frame's centre; not moved where `centres` is null.
 */
export function alignImages(images: Float32Array, n: number, h: number, w: number, degrees: ArrayLike<number>, centres: Float32Array | null, channels = 1): Float32Array {
  const T = Array.from(degrees, rotationMatrix);
  // The result at g is the source at T⁻¹(g − t): t = −T·c puts the source's c at the centre.
  const t = centres ? T.map(([a, b, c, d], i): [number, number] => [-(a * centres[2 * i] + b * centres[2 * i + 1]), -(c * centres[2 * i] + d * centres[2 * i + 1])]) : undefined;
  return transformImages(images, n, h, w, T, t, channels);
}
