import { gridValues } from './warp.ts';

/**
 * An orientation read from the pixels alone, full circle: the direction of the ink's third
 * moment `v = Σ w·|r|²·r`, `r` a grid point less the ink's centroid and `w` its ink. It turns
 * with the image and does not move with it, so the turn it implies for a digit turned by θ is
 * the digit's own turn less θ. Second moments (an axis) only give the orientation modulo a half
 * turn; the third moment says which end of the axis carries more ink far from the centre.
 */

/**
 * The ink's third moment of one image (`P·C` values; the ink `w` is the mean over channels),
 * as `(y, x)` like `grid`, the `P × 2` grid points. `[0, 0]` for a blank image.
 */
export function thirdMoment(image: Float32Array, grid: Float32Array, channels: number): [number, number] {
  const p = grid.length / 2;
  const w = new Float64Array(p);
  let [mass, cy, cx] = [0, 0, 0];
  for (let i = 0; i < p; i++) {
    for (let c = 0; c < channels; c++) w[i] += image[i * channels + c];
    w[i] /= channels;
    mass += w[i];
    cy += w[i] * grid[2 * i];
    cx += w[i] * grid[2 * i + 1];
  }
  if (!(mass > 0)) return [0, 0];
  [cy, cx] = [cy / mass, cx / mass];
  let [vy, vx] = [0, 0];
  for (let i = 0; i < p; i++) {
    const [ry, rx] = [grid[2 * i] - cy, grid[2 * i + 1] - cx];
    const r2 = ry * ry + rx * rx;
    vy += w[i] * r2 * ry;
    vx += w[i] * r2 * rx;
  }
  return [vy, vx];
}

/**
 * For each of `n` images (`h × w × channels` values each), its ink's centroid `(x, y)` in grid
 * units (x right, y down; the frame's centre is 0), as `n × 2`. 0 for a blank image.
 */
export function inkCentres(images: Float32Array, n: number, h: number, w: number, channels = 1): Float32Array {
  const grid = gridValues(h, w);
  const v = h * w * channels;
  const centres = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let [mass, cy, cx] = [0, 0, 0];
    for (let p = 0; p < h * w; p++) {
      let ink = 0;
      for (let c = 0; c < channels; c++) ink += images[i * v + p * channels + c];
      mass += ink;
      cy += ink * grid[2 * p];
      cx += ink * grid[2 * p + 1];
    }
    if (mass > 0) [centres[2 * i], centres[2 * i + 1]] = [cx / mass, cy / mass];
  }
  return centres;
}

/**
 * For each of `n` images (`h × w × channels` values each, in [0, 1]), the turn in degrees,
 * counter-clockwise on screen as `transformImages` turns, that points its third moment up
 * (toward the first row). 0 for a blank image.
 */
export function inkTurns(images: Float32Array, n: number, h: number, w: number, channels = 1): Float32Array {
  const grid = gridValues(h, w);
  const v = h * w * channels;
  const turns = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [vy, vx] = thirdMoment(images.subarray(i * v, (i + 1) * v), grid, channels);
    if (vy === 0 && vx === 0) continue;
    // The grid's y grows down the rows. The moment's angle from up, counter-clockwise on screen
    // (toward −x), is atan2(−vx, −vy); turning the image by minus that points it up.
    turns[i] = (-Math.atan2(-vx, -vy) * 180) / Math.PI;
  }
  return turns;
}

/**
 * For each of `n` images, the turn in degrees (as {@link inkTurns}) that stands the ink's
 * principal axis upright, with the end its third moment points to on top. It also turns with the
 * image, and it sits nearer to how digits are written than {@link inkTurns}: most digits are
 * drawn along a near-vertical axis. Where the axis is undefined (a round blob) or the third
 * moment lies across it, small changes can flip it. 0 for a blank image.
 */
export function axisTurns(images: Float32Array, n: number, h: number, w: number, channels = 1): Float32Array {
  const grid = gridValues(h, w);
  const v = h * w * channels;
  const ink = inkTurns(images, n, h, w, channels);
  const turns = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const image = images.subarray(i * v, (i + 1) * v);
    let [mass, cy, cx] = [0, 0, 0];
    const wts = new Float64Array(h * w);
    for (let p = 0; p < h * w; p++) {
      for (let c = 0; c < channels; c++) wts[p] += image[p * channels + c] / channels;
      mass += wts[p];
      cy += wts[p] * grid[2 * p];
      cx += wts[p] * grid[2 * p + 1];
    }
    if (!(mass > 0)) continue;
    [cy, cx] = [cy / mass, cx / mass];
    let [vxx, vyy, vxy] = [0, 0, 0];
    for (let p = 0; p < h * w; p++) {
      const [ry, rx] = [grid[2 * p] - cy, grid[2 * p + 1] - cx];
      vxx += wts[p] * rx * rx;
      vyy += wts[p] * ry * ry;
      vxy += wts[p] * rx * ry;
    }
    // The major axis, from the x axis toward +y (down); its angle from up, counter-clockwise on
    // screen, as for inkTurns: atan2(−dx, −dy).
    const t = 0.5 * Math.atan2(2 * vxy, vxx - vyy);
    const along = (Math.atan2(-Math.cos(t), -Math.sin(t)) * 180) / Math.PI;
    const up = -along;
    // Of the axis's two ends, the one the third moment points to goes on top.
    const wrap = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;
    turns[i] = Math.abs(wrap(up - ink[i])) <= 90 ? wrap(up) : wrap(up + 180);
  }
  return turns;
}
