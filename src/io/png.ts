import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { rgbaToInput } from '../data/resize.ts';
import type { GreyImage } from '../render/figure.ts';
import { UserError, readFileOrFail, writeFileAtomic } from './files.ts';
import { toBytes } from '../data/pixels.ts';

/** The most pixels an input image may declare, by default (4096 × 4096); `--max-image-pixels` raises it. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** An image's RGBA pixels. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes a PNG or JPEG (by its magic number) to RGBA. The size its header declares is checked
 * against `maxPixels` before anything is decoded, so a small file that declares a huge image
 * allocates nothing.
 */
export function decodeImage(bytes: Uint8Array, path: string, maxPixels = MAX_IMAGE_PIXELS): RgbaImage {
  const tooLarge = (w: number, h: number) =>
    new UserError(`${path}: the image declares ${w}×${h} pixels, more than the ${maxPixels} allowed (--max-image-pixels raises the limit)`);
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  if (isPng) {
    // IHDR is the first chunk: width and height, big-endian, at bytes 16 and 20.
    if (bytes.length < 24) throw new UserError(`${path}: not a readable PNG: truncated header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = view.getUint32(16), height = view.getUint32(20);
    if (width * height > maxPixels) throw tooLarge(width, height);
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { data: png.data, width: png.width, height: png.height };
    } catch (err) {
      throw new UserError(`${path}: not a readable PNG: ${(err as Error).message}`);
    }
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    try {
      return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: Math.max(512, (maxPixels * 8) / 2 ** 20) });
    } catch (err) {
      const message = (err as Error).message;
      if (/maxResolutionInMP/.test(message)) throw new UserError(`${path}: the image has more than the ${maxPixels} pixels allowed (--max-image-pixels raises the limit)`);
      throw new UserError(`${path}: not a readable JPEG: ${message}`);
    }
  }
  throw new UserError(`${path}: not a PNG or JPEG image`);
}

/** Encodes a grey picture (values in [0, 1], clamped) as an 8-bit PNG. */
export function encodeGreyPng(img: GreyImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(toBytes(img.pixels.subarray(0, img.width * img.height)));
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}

/** Writes a grey picture as a PNG file, atomically. */
export function writeGreyPng(path: string, img: GreyImage): void {
  writeFileAtomic(path, encodeGreyPng(img));
}

/**
 * Reads a PNG as one model input of `width × height` grey bytes, MNIST-like (white on black).
 * Colour, another size, or dark ink on a light background are converted, each with a warning.
 */
export function readPngAsInput(path: string, width: number, height: number, maxPixels = MAX_IMAGE_PIXELS): { pixels: Uint8Array; warnings: string[] } {
  const png = decodeImage(readFileOrFail(path, 'PNG'), path, maxPixels);
  const { pixels, colour, inverted, resized } = rgbaToInput(png.data, png.width, png.height, width, height);
  const warnings: string[] = [];
  if (colour) warnings.push(`${path}: colour image, converted to grey`);
  if (inverted) warnings.push(`${path}: light background, inverted to white-on-black like MNIST`);
  if (resized) warnings.push(`${path}: ${png.width}×${png.height} image, resized to ${width}×${height}`);
  return { pixels, warnings };
}
