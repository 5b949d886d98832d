import type { AlignFrame } from './config.ts';
import { rotationMatrix, transformImages } from './transform-images.ts';
import { gridValues } from './warp.ts';

/**
 * An orientation read from the pixels alone, full circle: the direction of the ink's third
 * moment `v = Σ w·|r|²·r`, `r` a grid point less the ink's centroid and `w` its ink. It turns
 * with the image and does not move with it, so the turn it implies for a digit turned by θ is
 * the digit's own turn less θ. Second moments (an axis) only give the orientation modulo a half
 * turn; the third moment says which end of the axis carries more ink far from the centre.
 */

/**
 * The ink's moments of one image about its centroid, in grid units as `(y, x)` like the grid:
 * the mass, the centroid, the second moments and the third moment `(ty, tx)`.
 */
interface InkMoments {
  mass: number;
  cy: number;
  cx: number;
  vyy: number;
  vxx: number;
  vxy: number;
  ty: number;
  tx: number;
}

/** {@link InkMoments} of one image (`P·C` values; the ink `w` is the mean over channels) on the `P × 2` grid. */
function inkMoments(image: Float32Array, grid: Float32Array, channels: number): InkMoments {
  const p = grid.length / 2;
  const w = new Float64Array(p);
  const m: InkMoments = { mass: 0, cy: 0, cx: 0, vyy: 0, vxx: 0, vxy: 0, ty: 0, tx: 0 };
  for (let i = 0; i < p; i++) {
    for (let c = 0; c < channels; c++) w[i] += image[i * channels + c];
    w[i] /= channels;
    m.mass += w[i];
    m.cy += w[i] * grid[2 * i];
    m.cx += w[i] * grid[2 * i + 1];
  }
  if (!(m.mass > 0)) return m;
  [m.cy, m.cx] = [m.cy / m.mass, m.cx / m.mass];
  for (let i = 0; i < p; i++) {
    const [ry, rx] = [grid[2 * i] - m.cy, grid[2 * i + 1] - m.cx];
    const r2 = ry * ry + rx * rx;
    m.vyy += w[i] * ry * ry;
    m.vxx += w[i] * rx * rx;
    m.vxy += w[i] * rx * ry;
    m.ty += w[i] * r2 * ry;
    m.tx += w[i] * r2 * rx;
  }
  return m;
}

/**
 * The ink's third moment of one image (`P·C` values; the ink `w` is the mean over channels),
 * as `(y, x)` like `grid`, the `P × 2` grid points. `[0, 0]` for a blank image.
 */
export function thirdMoment(image: Float32Array, grid: Float32Array, channels: number): [number, number] {
  const m = inkMoments(image, grid, channels);
  return [m.ty, m.tx];
}

const wrap = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;

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
  // The major axis, from the x axis toward +y (down); its angle from up as for inkTurn.
  const t = 0.5 * Math.atan2(2 * m.vxy, m.vxx - m.vyy);
  const up = -(Math.atan2(-Math.cos(t), -Math.sin(t)) * 180) / Math.PI;
  return Math.abs(wrap(up - inkTurn(m))) <= 90 ? wrap(up) : wrap(up + 180);
}

/**
 * Each of `n` images' (`h × w × channels` values each, in [0, 1]) turn into `frame`, degrees
 * counter-clockwise on screen as `transformImages` turns, and its ink's centroid `(x, y)` in
 * grid units (x right, y down; the frame's centre is 0), `n × 2`. One pass over the moments.
 */
export function inkFrames(images: Float32Array, n: number, h: number, w: number, channels = 1, frame: AlignFrame = 'ink'): { turns: Float32Array; centres: Float32Array } {
  const grid = gridValues(h, w);
  const v = h * w * channels;
  const turns = new Float32Array(n);
  const centres = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const m = inkMoments(images.subarray(i * v, (i + 1) * v), grid, channels);
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
