/**
 * Pictures as plain pixel arrays in [0, 1] (no autoscale: 0 is black, 1 is full intensity), grey
 * or with channels. Encoding to PNG happens in io/; this stays pure so the browser can draw the
 * same figures.
 */

/**
 * A picture: `width × height` pixels in [0, 1], row-major; with `channels` > 1 (3: RGB) each
 * pixel's values are adjacent.
 */
export interface Picture {
  pixels: Float32Array;
  width: number;
  height: number;
  /** Values per pixel; 1 (grey) when absent. */
  channels?: number;
}

/**
 * Lays `n` images of `h × w` out in a grid of `cols` columns, row by row.
 * @param images `n × h × w × channels` values.
 * @param background the gaps' value, in every channel.
 */
export function tile(images: Float32Array, n: number, h: number, w: number, cols: number, gap = 0, background = 0, channels = 1): Picture {
  const C = channels;
  const rows = Math.ceil(n / cols);
  const width = cols * w + (cols - 1) * gap;
  const height = rows * h + (rows - 1) * gap;
  const pixels = new Float32Array(width * height * C).fill(background);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * (w + gap);
    const oy = Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++) {
      const from = (k * h * w + y * w) * C;
      pixels.set(images.subarray(from, from + w * C), ((oy + y) * width + ox) * C);
    }
  }
  return { pixels, width, height, ...(C > 1 ? { channels: C } : {}) };
}

/** Stacks pictures of equal width and channels top to bottom, separated by `gap` rows of `separator`. */
export function stack(parts: Picture[], gap = 0, separator = 0.5): Picture {
  const width = parts[0].width;
  const C = parts[0].channels ?? 1;
  if (parts.some((p) => p.width !== width)) throw new Error('stack: pictures differ in width');
  if (parts.some((p) => (p.channels ?? 1) !== C)) throw new Error('stack: pictures differ in channels');
  const height = parts.reduce((h, p) => h + p.height, 0) + gap * (parts.length - 1);
  const pixels = new Float32Array(width * height * C).fill(separator);
  let y = 0;
  for (const p of parts) {
    pixels.set(p.pixels, y * width * C);
    y += p.height + gap;
  }
  return { pixels, width, height, ...(C > 1 ? { channels: C } : {}) };
}

/** Nearest-neighbour upscale by an integer factor. */
export function upscale(img: Picture, factor: number): Picture {
  const C = img.channels ?? 1;
  const width = img.width * factor;
  const height = img.height * factor;
  const pixels = new Float32Array(width * height * C);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * img.width;
    for (let x = 0; x < width; x++) {
      const from = (src + Math.floor(x / factor)) * C;
      for (let c = 0; c < C; c++) pixels[(y * width + x) * C + c] = img.pixels[from + c];
    }
  }
  return { pixels, width, height, ...(C > 1 ? { channels: C } : {}) };
}

/**
 * The original post's figure: 12 images in two rows of six, above their normalized versions in
 * two rows of six.
 */
export function normalizationFigure(originals: Float32Array, normalized: Float32Array, h: number, w: number, scale = 4, channels = 1): Picture {
  const n = Math.min(12, originals.length / (h * w * channels));
  const top = tile(originals, n, h, w, 6, 0, 0, channels);
  const bottom = tile(normalized, n, h, w, 6, 0, 0, channels);
  return upscale(stack([top, bottom], 1), scale);
}
