import { rgbaToGrey } from '../../src/index.ts';

/** Grey images in and out of canvases. */

/** Paints `values` (`size × size` in [0, 1], white on black) into a canvas of that size. */
export function paintGrey(canvas: HTMLCanvasElement, values: Float32Array | Uint8Array, size: number, scale = 1): void {
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(Math.min(1, Math.max(0, values[i] / scale)) * 255);
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

/** A canvas' pixels as grey in [0, 255] (Rec. 601 luma). */
export function readGrey(canvas: HTMLCanvasElement): { grey: Float32Array; width: number; height: number } {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  return { grey: rgbaToGrey(rgba, width, height).grey, width, height };
}

/** Bytes from base64 (the gallery's form). */
export function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
