import { rgbaToColour, rgbaToGrey } from '../../src/index.ts';

/** Images in and out of canvases: grey, or with channels (3: RGB). */

/**
 * Paints `values` (`size × size × channels` in [0, 1]; grey is white on black) into a canvas of
 * that size. Channels beyond three are not shown; two are drawn as red and green.
 */
export function paint(canvas: HTMLCanvasElement, values: Float32Array | Uint8Array, size: number, scale = 1, channels = 1): void {
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(size, size);
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v / scale)) * 255);
  for (let i = 0; i < size * size; i++) {
    if (channels === 1) {
      const v = byte(values[i]);
      image.data.set([v, v, v, 255], 4 * i);
    } else {
      const at = i * channels;
      image.data.set([byte(values[at]), byte(values[at + 1]), channels > 2 ? byte(values[at + 2]) : 0, 255], 4 * i);
    }
  }
  ctx.putImageData(image, 0, 0);
}

/** A canvas' pixels as grey in [0, 255] (Rec. 601 luma). */
export function readGrey(canvas: HTMLCanvasElement): { grey: Float32Array; width: number; height: number } {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  return { grey: rgbaToGrey(rgba, width, height).grey, width, height };
}

/** A canvas' picture as one colour model input: `size × size × channels` bytes (see `rgbaToColour`). */
export function readColour(canvas: HTMLCanvasElement, size: number, channels: number): Uint8Array {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  return rgbaToColour(rgba, width, height, size, size, channels).pixels;
}

/** Bytes from base64 (the gallery's form). */
export function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
