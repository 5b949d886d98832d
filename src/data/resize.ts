/**
 * Turning arbitrary pictures into model input: RGBA to grey, and resizing by area averaging with
 * the aspect ratio kept and the rest padded with black. Pure, so the browser can use it too.
 */

/** Rec. 601 luminance of an RGB colour (in any unit: [0, 1] in, [0, 1] out; bytes in, bytes out). */
export function luminance(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/**
 * The channel counts a picture file gives (grey, RGB, RGBA): what `dir:` folders and PNG inputs
 * can be read in.
 */
export const PICTURE_CHANNELS: readonly number[] = [1, 3, 4];

/** Grey in [0, 255] from RGBA bytes: Rec. 601 luma, composited over black by alpha. */
export function rgbaToGrey(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): { grey: Float32Array; colour: boolean; translucent: boolean } {
  const grey = new Float32Array(width * height);
  let colour = false;
  let translucent = false;
  for (let i = 0; i < width * height; i++) {
    const [r, g, b, a] = [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]];
    if (r !== g || g !== b) colour = true;
    if (a !== 255) translucent = true;
    grey[i] = luminance(r, g, b) * (a / 255);
  }
  return { grey, colour, translucent };
}

/**
 * Resizes a grey image to `outW × outH` by area averaging (each output pixel is the mean of the
 * input area it covers), keeping the aspect ratio and centring it on black.
 */
export function resizeGrey(src: Float32Array, width: number, height: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const scale = Math.min(outW / width, outH / height);
  const fitW = width * scale;
  const fitH = height * scale;
  const offX = (outW - fitW) / 2;
  const offY = (outH - fitH) / 2;
  for (let oy = 0; oy < outH; oy++) {
    // The output pixel covers source rows [y0, y1).
    const y0 = Math.max(0, (oy - offY) / scale);
    const y1 = Math.min(height, (oy + 1 - offY) / scale);
    if (y1 <= y0) continue;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = Math.max(0, (ox - offX) / scale);
      const x1 = Math.min(width, (ox + 1 - offX) / scale);
      if (x1 <= x0) continue;
      let sum = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          sum += src[sy * width + sx] * wx * wy;
        }
      }
      // Divide by the full pixel area, so partly covered border pixels fade into the padding.
      out[oy * outW + ox] = sum * scale * scale;
    }
  }
  return out;
}

/**
 * Any RGBA picture as one colour model input, `outW × outH × channels` bytes with the aspect kept
 * and black padding: `channels` 3 is RGB with alpha composited over black (the padding's colour,
 * and what a grey model's reading does), 4 is RGBA as stored. Colours are kept as they are: a light
 * background is not inverted.
 */
export function rgbaToColour(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  outW: number,
  outH: number,
  channels: number,
): { pixels: Uint8Array; resized: boolean } {
  const resized = width !== outW || height !== outH;
  const pixels = new Uint8Array(outW * outH * channels);
  for (let c = 0; c < channels; c++) {
    let plane: Float32Array = new Float32Array(width * height);
    for (let i = 0; i < plane.length; i++) plane[i] = channels === 4 ? rgba[4 * i + c] : rgba[4 * i + c] * (rgba[4 * i + 3] / 255);
    if (resized) plane = resizeGrey(plane, width, height, outW, outH);
    for (let i = 0; i < outW * outH; i++) pixels[i * channels + c] = Math.round(Math.min(255, Math.max(0, plane[i])));
  }
  return { pixels, resized };
}

/** Whether grey values in [0, 255] are mostly light: dark ink on paper, to be inverted. */
export function lightBackground(grey: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < grey.length; i++) sum += grey[i];
  return sum / grey.length > 127;
}

/**
 * Any RGBA picture as one model input: grey, white on black like MNIST (a light background is
 * inverted), `outW × outH` with the aspect kept. Says what it changed, for warnings.
 */
export function rgbaToInput(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  outW: number,
  outH: number,
): { pixels: Uint8Array; colour: boolean; inverted: boolean; resized: boolean } {
  let { grey, colour } = rgbaToGrey(rgba, width, height);
  const inverted = lightBackground(grey);
  if (inverted) grey = grey.map((v) => 255 - v);
  const resized = width !== outW || height !== outH;
  if (resized) grey = resizeGrey(grey, width, height, outW, outH);
  return { pixels: Uint8Array.from(grey, (v) => Math.round(Math.min(255, Math.max(0, v)))), colour, inverted, resized };
}
