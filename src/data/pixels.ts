/**
 * Pixels are stored as bytes (IDX, PNG: 0…255) and modelled as floats in [0, 1]. These two are the
 * only conversions between them.
 */

/** Bytes (0…255) to floats in [0, 1], into `out` at `offset` (a new array by default). */
export function toUnit(bytes: ArrayLike<number>, out = new Float32Array(bytes.length), offset = 0): Float32Array {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i] / 255;
  return out;
}

/** Floats to bytes: clamped to [0, 1], times 255, rounded. */
export function toBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, values[i])));
  return out;
}
