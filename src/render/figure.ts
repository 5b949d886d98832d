/**
 * Pictures as plain grey pixel arrays in [0, 1] (no autoscale: 0 is black, 1 is white). Encoding
 * to PNG happens in io/; this stays pure so the browser can draw the same figures.
 */

/** A grey picture: `width × height` values in [0, 1], row-major. */
export interface GreyImage {
  pixels: Float32Array;
  width: number;
  height: number;
}

/**
 * Lays `n` images of `h × w` out in a grid of `cols` columns, row by row.
 * @param images `n × h × w` values.
 */
export function tile(images: Float32Array, n: number, h: number, w: number, cols: number, gap = 0, background = 0): GreyImage {
  const rows = Math.ceil(n / cols);
  const width = cols * w + (cols - 1) * gap;
  const height = rows * h + (rows - 1) * gap;
  const pixels = new Float32Array(width * height).fill(background);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * (w + gap);
    const oy = Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) pixels[(oy + y) * width + ox + x] = images[k * h * w + y * w + x];
    }
  }
  return { pixels, width, height };
}

/** Stacks pictures of equal width top to bottom, separated by `gap` rows of `separator`. */
export function stack(parts: GreyImage[], gap = 0, separator = 0.5): GreyImage {
  const width = parts[0].width;
  if (parts.some((p) => p.width !== width)) throw new Error('stack: pictures differ in width');
  const height = parts.reduce((h, p) => h + p.height, 0) + gap * (parts.length - 1);
  const pixels = new Float32Array(width * height).fill(separator);
  let y = 0;
  for (const p of parts) {
    pixels.set(p.pixels, y * width);
    y += p.height + gap;
  }
  return { pixels, width, height };
}

/** Nearest-neighbour upscale by an integer factor. */
export function upscale(img: GreyImage, factor: number): GreyImage {
  const width = img.width * factor;
  const height = img.height * factor;
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * img.width;
    for (let x = 0; x < width; x++) pixels[y * width + x] = img.pixels[src + Math.floor(x / factor)];
  }
  return { pixels, width, height };
}

/**
 * The original post's figure: 12 images in two rows of six, above their normalized versions in
 * two rows of six.
 */
export function normalizationFigure(originals: Float32Array, normalized: Float32Array, h: number, w: number, scale = 4): GreyImage {
  const n = Math.min(12, originals.length / (h * w));
  const top = tile(originals, n, h, w, 6);
  const bottom = tile(normalized, n, h, w, 6);
  return upscale(stack([top, bottom], 1), scale);
}
