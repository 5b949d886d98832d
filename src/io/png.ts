import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { PICTURE_CHANNELS, rgbaToColour, rgbaToInput } from '../data/resize.ts';
import type { Picture } from '../render/figure.ts';
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

/**
 * Encodes a picture (values in [0, 1], clamped) as an 8-bit PNG: grey, RGB (3 channels) or RGBA
 * (4); a 2-channel picture is drawn as red and green.
 */
export function encodePng(img: Picture): Uint8Array {
  const C = img.channels ?? 1;
  const n = img.width * img.height;
  const bytes = toBytes(img.pixels.subarray(0, n * C));
  if (C === 1) {
    const png = new PNG({ width: img.width, height: img.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
    png.data = Buffer.from(bytes);
    return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  }
  const alpha = C === 4;
  const out = C === 3 || C === 4 ? bytes : new Uint8Array(n * 3);
  if (C === 2) for (let i = 0; i < n; i++) [out[3 * i], out[3 * i + 1]] = [bytes[2 * i], bytes[2 * i + 1]];
  const colorType = alpha ? 6 : 2;
  const png = new PNG({ width: img.width, height: img.height, colorType, inputColorType: colorType, bitDepth: 8, inputHasAlpha: alpha });
  png.data = Buffer.from(out);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: alpha }));
}

/** Writes a picture (grey or colour) as a PNG file, atomically. */
export function writePng(path: string, img: Picture): void {
  writeFileAtomic(path, encodePng(img));
}

/**
 * Reads a PNG as one model input of `width × height` grey bytes, MNIST-like (white on black).
 * Colour, another size, or dark ink on a light background are converted, each with a warning.
 * With `channels` 3 (RGB, alpha composited over black) or 4 (RGBA) the colours are kept as they
 * are, `width × height × channels` bytes.
 */
export function readPngAsInput(path: string, width: number, height: number, maxPixels = MAX_IMAGE_PIXELS, channels = 1): { pixels: Uint8Array; warnings: string[] } {
  if (!PICTURE_CHANNELS.includes(channels)) throw new UserError(`${path}: a PNG gives grey, RGB or RGBA images; the model takes ${channels} channels (give it IDX files)`);
  const png = decodeImage(readFileOrFail(path, 'PNG'), path, maxPixels);
  if (channels > 1) {
    const { pixels, resized } = rgbaToColour(png.data, png.width, png.height, width, height, channels);
    return { pixels, warnings: resized ? [`${path}: ${png.width}×${png.height} image, resized to ${width}×${height}`] : [] };
  }
  const { pixels, colour, inverted, resized } = rgbaToInput(png.data, png.width, png.height, width, height);
  const warnings: string[] = [];
  if (colour) warnings.push(`${path}: colour image, converted to grey`);
  if (inverted) warnings.push(`${path}: light background, inverted to white-on-black like MNIST`);
  if (resized) warnings.push(`${path}: ${png.width}×${png.height} image, resized to ${width}×${height}`);
  return { pixels, warnings };
}
