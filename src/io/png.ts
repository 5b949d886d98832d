import { PNG } from 'pngjs';
import { rgbaToInput } from '../data/resize.ts';
import type { GreyImage } from '../render/figure.ts';
import { UserError, readFileOrFail, writeFileAtomic } from './files.ts';

/** Encodes a grey picture (values in [0, 1], clamped) as an 8-bit PNG. */
export function encodeGreyPng(img: GreyImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  const data = Buffer.alloc(img.width * img.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(255 * Math.min(1, Math.max(0, img.pixels[i])));
  png.data = data;
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
export function readPngAsInput(path: string, width: number, height: number): { pixels: Uint8Array; warnings: string[] } {
  const bytes = readFileOrFail(path, 'PNG');
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (err) {
    throw new UserError(`${path}: not a readable PNG: ${(err as Error).message}`);
  }
  const { pixels, colour, inverted, resized } = rgbaToInput(png.data, png.width, png.height, width, height);
  const warnings: string[] = [];
  if (colour) warnings.push(`${path}: colour image, converted to grey`);
  if (inverted) warnings.push(`${path}: light background, inverted to white-on-black like MNIST`);
  if (resized) warnings.push(`${path}: ${png.width}×${png.height} image, resized to ${width}×${height}`);
  return { pixels, warnings };
}
