/**
 * The IDX format of MNIST: a big-endian header `0x00 0x00 TYPE NDIMS`, NDIMS big-endian uint32
 * sizes, then the data in row-major order. Pure parsing, no file access, so the browser can use it.
 */

/** An IDX array: its element type, its shape and its data. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/** The magic number of an MNIST image file (uint8, 3 dims). */
export const IDX_IMAGES_MAGIC = 2051;
/** The magic number of an MNIST label file (uint8, 1 dim). */
export const IDX_LABELS_MAGIC = 2049;

/** Raised for any malformed IDX input; the message names the source and the fault. */
export class IdxError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: not a valid IDX file: ${problem}`);
    this.name = 'IdxError';
  }
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The total size in bytes that an IDX header declares (header included), from the first bytes
 * of a file; null when `head` is too short to tell. Malformed headers are an {@link IdxError}.
 */
export function idxDeclaredBytes(head: Uint8Array, source = 'input'): number | null {
  if (head.length < 4) return null;
  if (head[0] !== 0 || head[1] !== 0) throw new IdxError(source, `bad magic number 0x${hex(head, 0, 4)} (expected 0x0000 then type and dims)`);
  const info = TYPES[head[2]];
  if (!info) throw new IdxError(source, `unknown element type code 0x${head[2].toString(16)}`);
  const ndims = head[3];
  if (ndims === 0) throw new IdxError(source, 'zero dimensions');
  if (head.length < 4 + 4 * ndims) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let d = 0; d < ndims; d++) count *= view.getUint32(4 + 4 * d, false);
  return 4 + 4 * ndims + count * info.bytes;
}

/**
 * Parses an (already decompressed) IDX buffer.
 * @param source names the input in error messages, usually the file path.
 */
export function parseIdx(bytes: Uint8Array, source = 'input'): IdxArray {
  if (isGzip(bytes)) throw new IdxError(source, 'the data is gzip-compressed; decompress it first');
  if (bytes.length < 4) throw new IdxError(source, `only ${bytes.length} bytes, too short for a header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(source, `bad magic number 0x${hex(bytes, 0, 4)} (expected 0x0000 then type and dims)`);
  }
  const info = TYPES[bytes[2]];
  if (!info) throw new IdxError(source, `unknown element type code 0x${bytes[2].toString(16)}`);
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(source, 'zero dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxError(source, `truncated header: ${ndims} dims need ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * info.bytes;
  if (bytes.length < expected) {
    throw new IdxError(source, `truncated: shape [${shape.join(', ')}] needs ${expected} bytes, file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new IdxError(source, `${bytes.length - expected} unexpected trailing bytes after shape [${shape.join(', ')}]`);
  }
  return { type: info.type, shape, data: readData(view, headerBytes, count, info.type) };
}

function readData(view: DataView, offset: number, count: number, type: IdxType): IdxArray['data'] {
  switch (type) {
    case 'uint8': // a view into the input, not a copy: MNIST's 47 MB stay 47 MB
      return new Uint8Array(view.buffer, view.byteOffset + offset, count);
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Encodes a uint8 array as IDX bytes (uncompressed). */
export function encodeIdx(data: Uint8Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeIdx: shape [${shape.join(', ')}] does not hold ${data.length} values`);
  const out = new Uint8Array(4 + 4 * shape.length + count);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

/** The most channels an image may have (grey, grey + alpha, RGB, RGBA). */
export const MAX_CHANNELS = 4;

/**
 * Checks that an IDX array holds uint8 images, `N × H × W` (grey) or `N × H × W × C` (C channels
 * per pixel, 1 to {@link MAX_CHANNELS}), and returns them as such.
 */
export function asImages(arr: IdxArray, source: string): { images: Uint8Array; n: number; height: number; width: number; channels: number } {
  if (arr.type !== 'uint8' || (arr.shape.length !== 3 && arr.shape.length !== 4)) {
    throw new IdxError(source, `expected uint8 images N×H×W or N×H×W×C (magic ${IDX_IMAGES_MAGIC} or 0x00000804), got ${arr.type} [${arr.shape.join('×')}]`);
  }
  const [n, height, width, channels = 1] = arr.shape;
  if (n === 0) throw new IdxError(source, 'it holds no images');
  if (height === 0 || width === 0) throw new IdxError(source, `its images are ${height}×${width}`);
  if (channels < 1 || channels > MAX_CHANNELS) throw new IdxError(source, `its images have ${channels} channels (1 to ${MAX_CHANNELS} are read)`);
  return { images: arr.data as Uint8Array, n, height, width, channels };
}

/** Checks that an IDX array holds uint8 labels `N` and returns them. */
export function asLabels(arr: IdxArray, source: string): Uint8Array {
  if (arr.type !== 'uint8' || arr.shape.length !== 1) {
    throw new IdxError(source, `expected uint8 labels N (magic ${IDX_LABELS_MAGIC}), got ${arr.type} [${arr.shape.join('×')}]`);
  }
  return arr.data as Uint8Array;
}

function hex(bytes: Uint8Array, start: number, end: number): string {
  return Array.from(bytes.subarray(start, end), (b) => b.toString(16).padStart(2, '0')).join('');
}
