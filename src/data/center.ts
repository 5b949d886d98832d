import { resizeGrey } from './resize.ts';

/**
 * MNIST's own preprocessing, for digits that did not come from MNIST (a drawing, a photo): the
 * ink's bounding box is scaled to fit a `box × box` square with its aspect kept, then placed in
 * a `size × size` image with its centre of mass where MNIST's are. A model trained on
 * MNIST has only seen digits framed this way.
 */

/**
 * Frames a grey image (white ink on black, any value scale) like an MNIST digit.
 * @param grey `height × width` values; ink is whatever exceeds `threshold`·max.
 * @returns `size × size` values on the input's scale; all zero when there is no ink.
 */
export function centerLikeMnist(grey: Float32Array, width: number, height: number, size = 28, box = 20, threshold = 0.05): Float32Array {
  if (grey.length !== width * height) throw new Error(`expected ${width}×${height} = ${width * height} values, got ${grey.length}`);
  if (box > size) throw new Error(`box ${box} does not fit in ${size}`);
  const out = new Float32Array(size * size);
  const max = grey.reduce((a, b) => Math.max(a, b), 0);
  if (!(max > 0)) return out;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x] > threshold * max) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const crop = new Float32Array(w * h);
  for (let y = 0; y < h; y++) crop.set(grey.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
  const fitted = resizeGrey(crop, w, h, box, box); // box × box, the ink centred by its bounding box
  let [mass, mx, my] = [0, 0, 0];
  for (let y = 0; y < box; y++) {
    for (let x = 0; x < box; x++) {
      const v = fitted[y * box + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  // MNIST puts the centre of mass at pixel (size/2, size/2) (measured: 14.00, 13.99 on average
  // over its training digits), half a pixel past the geometric centre; shift by whole pixels.
  const shiftX = Math.round(size / 2 - mx / mass);
  const shiftY = Math.round(size / 2 - my / mass);
  for (let y = 0; y < box; y++) {
    const ty = y + shiftY;
    if (ty < 0 || ty >= size) continue;
    for (let x = 0; x < box; x++) {
      const tx = x + shiftX;
      if (tx >= 0 && tx < size) out[ty * size + tx] = fitted[y * box + x];
    }
  }
  return out;
}

/**
 * `n` images `side × side` placed in the middle of `frame × frame` images, zeros around: MNIST
 * digits as the `mnist-pose:` sets frame them (11 pixels of border at 28 → 50).
 */
export function frameImages<T extends Float32Array | Uint8Array>(images: T, n: number, side: number, frame: number): T {
  if (frame < side) throw new Error(`a ${frame}-pixel frame cannot hold ${side}-pixel images`);
  if (images.length !== n * side * side) throw new Error(`expected ${n} × ${side}² values, got ${images.length}`);
  const out = new (images.constructor as new (length: number) => T)(n * frame * frame);
  const border = Math.floor((frame - side) / 2);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < side; y++) {
      out.set(images.subarray(i * side * side + y * side, i * side * side + (y + 1) * side), i * frame * frame + (border + y) * frame + border);
    }
  }
  return out;
}
