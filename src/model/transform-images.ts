/**
 * Moving images by known affine maps. Coordinates as in `model/transform.ts`: `(x, y)` in grid
 * units (−1..1), `y` down, about the image centre; `T = [a, b, c, d]` (`[[a, b], [c, d]]`) maps
 * the source image's points to where they land in the result.
 */

/** A 2×2 matrix `[[a, b], [c, d]]` as `[a, b, c, d]`. */
export type Matrix2 = [number, number, number, number];

/**
 * Applies `T` (and a translation `t`) to `n` images `h × w` (`channels` values per pixel, adjacent:
 * every channel moves the same way): the result at `g` is the source at `T⁻¹(g − t)`, bilinearly
 * interpolated. Outside the source is black for grey images (MNIST's background); a colour image
 * is extended by its own background, the mean colour of its border pixels, so that turning a
 * picture on a coloured ground does not put black corners into it.
 */
export function transformImages(images: Float32Array, n: number, h: number, w: number, T: Matrix2[], t?: [number, number][], channels = 1): Float32Array {
  const out = new Float32Array(images.length);
  const C = channels;
  const p = h * w * C;
  for (let k = 0; k < n; k++) {
    const [a, b, c, d] = T[k];
    const det = a * d - b * c;
    const inv = [d / det, -b / det, -c / det, a / det];
    const [tx, ty] = t?.[k] ?? [0, 0];
    const src = images.subarray(k * p, (k + 1) * p);
    const fill = C > 1 ? borderMean(src, h, w, C) : null;
    for (let iy = 0; iy < h; iy++) {
      const y = h === 1 ? 0 : (2 * iy) / (h - 1) - 1 - ty;
      for (let ix = 0; ix < w; ix++) {
        const x = w === 1 ? 0 : (2 * ix) / (w - 1) - 1 - tx;
        const sx = ((inv[0] * x + inv[1] * y + 1) * (w - 1)) / 2;
        const sy = ((inv[2] * x + inv[3] * y + 1) * (h - 1)) / 2;
        // bilinear() inlined: this loop runs once per pixel of whole data sets.
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
          if (fill) out.set(fill, k * p + (iy * w + ix) * C);
          continue;
        }
        const fx = sx - x0;
        const fy = sy - y0;
        // The four neighbours' weights (0 outside the image) and offsets, shared by all channels.
        const inX0 = x0 >= 0;
        const inX1 = x0 + 1 < w;
        const top = y0 >= 0 ? 1 - fy : 0;
        const bottom = y0 + 1 < h ? fy : 0;
        const w00 = inX0 ? top * (1 - fx) : 0;
        const w01 = inX1 ? top * fx : 0;
        const w10 = inX0 ? bottom * (1 - fx) : 0;
        const w11 = inX1 ? bottom * fx : 0;
        const o00 = (y0 * w + x0) * C;
        const o10 = o00 + w * C;
        const at = k * p + (iy * w + ix) * C;
        if (!fill) {
          // Grey: one value, black outside (zero weights skip the reads outside the image).
          out[at] = (w00 ? w00 * src[o00] : 0) + (w01 ? w01 * src[o00 + 1] : 0) + (w10 ? w10 * src[o10] : 0) + (w11 ? w11 * src[o10 + 1] : 0);
          continue;
        }
        // The weight that falls outside the source, given to the fill colour.
        const rest = 1 - (w00 + w01 + w10 + w11);
        for (let ch = 0; ch < C; ch++) {
          let v = 0;
          if (w00) v += w00 * src[o00 + ch];
          if (w01) v += w01 * src[o00 + C + ch];
          if (w10) v += w10 * src[o10 + ch];
          if (w11) v += w11 * src[o10 + C + ch];
          if (rest > 1e-7) v += rest * fill[ch];
          out[at + ch] = v;
        }
      }
    }
  }
  return out;
}

/** The mean of each channel over an image's border pixels (`h × w × C` values). */
export function borderMean(img: Float32Array, h: number, w: number, C: number): Float32Array {
  const sum = new Float32Array(C);
  let count = 0;
  const add = (y: number, x: number) => {
    for (let c = 0; c < C; c++) sum[c] += img[(y * w + x) * C + c];
    count++;
  };
  for (let x = 0; x < w; x++) {
    add(0, x);
    if (h > 1) add(h - 1, x);
  }
  for (let y = 1; y < h - 1; y++) {
    add(y, 0);
    if (w > 1) add(y, w - 1);
  }
  return sum.map((v) => v / Math.max(1, count));
}

/** The image at fractional pixel `(x, y)`, 0 outside. */
export function bilinear(img: Float32Array, h: number, w: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => (xx >= 0 && xx < w && yy >= 0 && yy < h ? img[yy * w + xx] : 0);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}


/**
 * The exact quarter turn of a square `n × n` image (`channels` values per pixel), as gather
 * indices: value `i` of the turned image is value `indices[i]` of the source. The turn is
 * {@link rotationMatrix}(90)'s, without interpolation: pixel `(y, x)` takes the source's
 * `(x, n − 1 − y)`.
 */
export function quarterTurnIndices(n: number, channels = 1): Int32Array {
  const out = new Int32Array(n * n * channels);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      for (let c = 0; c < channels; c++) out[(y * n + x) * channels + c] = (x * n + (n - 1 - y)) * channels + c;
    }
  }
  return out;
}

/**
 * The exact half turn of an `h × w` image (`channels` values per pixel), as gather indices:
 * pixel `(y, x)` takes the source's `(h − 1 − y, w − 1 − x)`, which is the pixel order reversed.
 */
export function halfTurnIndices(h: number, w: number, channels = 1): Int32Array {
  const pixels = h * w;
  return Int32Array.from({ length: pixels * channels }, (_, i) => (pixels - 1 - Math.floor(i / channels)) * channels + (i % channels));
}

/** The rotation by `deg` degrees counter-clockwise on screen, as a `T` for {@link transformImages}. */
export function rotationMatrix(deg: number): Matrix2 {
  const t = (deg * Math.PI) / 180;
  return [Math.cos(t), Math.sin(t), -Math.sin(t), Math.cos(t)];
}
