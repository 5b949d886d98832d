import type { CoordinateDecoder } from '../model/decoder.ts';

/**
 * The contract of the addon's `run`, described once on this side: the sizes, the scalar options
 * and every array it takes or returns, with its role and shape. `native/addon.c` holds the same
 * table (its parser, outputs and `contract()` read it); {@link contractMismatch} compares the two
 * when the addon loads, so a stale or foreign binary is refused rather than misread.
 *
 * The engine covers decoders with exactly two hidden layers (`decoderHidden` of length 2, any
 * widths and content size, C ≤ 16 outputs per point: the image's channels, each point's C values
 * adjacent): the shapes below.
 */
export const NATIVE_CONTRACT = {
  sizes: ['B', 'P', 'Zc', 'H1', 'H2', 'C'],
  options: [
    { name: 'threads', required: true },
    /** 1 to return gradients (needs `target` or `dimage`). */
    { name: 'grad', required: true },
    /** With a target: 1 to differentiate `Σ BCE(target, image)` instead of `Σ (image − target)²`. */
    { name: 'bce', required: false },
    /** The compiled variant to run (default: the one picked when the addon loaded). */
    { name: 'kernel', required: false },
  ],
  arrays: [
    { name: 'content', role: 'input', shape: ['B', 'Zc'], optional: false },
    /** Per-image affine maps `[a0..a5]` (see `model/warp.ts`); absent: the identity. */
    { name: 'affine', role: 'input', shape: ['B', '6'], optional: true },
    { name: 'grid', role: 'input', shape: ['P', '2'], optional: false },
    /** With a target, `sse` and `bce` are returned, and the gradient is that of one of them. */
    { name: 'target', role: 'input', shape: ['B', 'P*C'], optional: true },
    /** Else the incoming gradient `dL/dimage`. */
    { name: 'dimage', role: 'input', shape: ['B', 'P*C'], optional: true },
    { name: 'W1', role: 'weight', shape: ['2+Zc', 'H1'], optional: false },
    { name: 'b1', role: 'weight', shape: ['1', 'H1'], optional: false },
    { name: 'W2', role: 'weight', shape: ['H1', 'H2'], optional: false },
    { name: 'b2', role: 'weight', shape: ['1', 'H2'], optional: false },
    { name: 'W3', role: 'weight', shape: ['H2', 'C'], optional: false },
    { name: 'b3', role: 'weight', shape: ['1', 'C'], optional: false },
    { name: 'image', role: 'output', shape: ['B', 'P*C'], optional: false },
    { name: 'dcontent', role: 'gradient', shape: ['B', 'Zc'], optional: false },
    { name: 'daffine', role: 'gradient', shape: ['B', '6'], optional: false },
    { name: 'dW1', role: 'gradient', shape: ['2+Zc', 'H1'], optional: false },
    { name: 'db1', role: 'gradient', shape: ['1', 'H1'], optional: false },
    { name: 'dW2', role: 'gradient', shape: ['H1', 'H2'], optional: false },
    { name: 'db2', role: 'gradient', shape: ['1', 'H2'], optional: false },
    { name: 'dW3', role: 'gradient', shape: ['H2', 'C'], optional: false },
    { name: 'db3', role: 'gradient', shape: ['1', 'C'], optional: false },
  ],
} as const;

type ArraySpec = (typeof NATIVE_CONTRACT.arrays)[number];
type Named<R extends ArraySpec['role'], O extends boolean = boolean> = Extract<ArraySpec, { role: R; optional: O }>['name'];

/** The names of the weight arrays, in the order of {@link decoderWeights}. */
export type NativeWeightName = Named<'weight'>;

/** The compiled variants (native/variant.h): the same algorithm, results equal to float rounding. */
export type NativeKernel = 'avx2' | 'generic';

/** Arguments of the addon's `run`, as the contract says: sizes, options, inputs and weights (row-major). */
export type NativeRunArgs = { [K in (typeof NATIVE_CONTRACT.sizes)[number]]: number } & {
  threads: number;
  grad: 0 | 1;
  bce?: 0 | 1;
  kernel?: NativeKernel;
} & { [K in Named<'input' | 'weight', false>]: Float32Array } & { [K in Named<'input', true>]?: Float32Array | null };

/** What `run` returns: the image, the errors against the target (0 without one), the work, and gradients if asked. */
export type NativeRunResult = { [K in Named<'output'>]: Float32Array } & { [K in Named<'gradient'>]?: Float32Array } & {
  sse: number;
  /** `Σ −(t log y + (1 − t) log(1 − y))`, y clipped to [1e-7, 1 − 1e-7]. */
  bce: number;
  /** Multiply-adds the H1 × H2 products executed: relu zeros are skipped (native/gemm.c). */
  macs: number;
  /** What the dense products would take: `B·P·H1·H2`, three times over with gradients. */
  denseMacs: number;
};

/** The most outputs per point (channels) the addon runs (`DECODER_MAX_CHANNELS` in native/decoder.h). */
export const NATIVE_MAX_CHANNELS = 16;

/** Why the native engine cannot run this decoder, or null when it can. */
export function nativeUnsupported(decoder: CoordinateDecoder): string | null {
  if (decoder.hidden.length !== 2) return `it runs decoders of exactly two hidden layers; this one has ${decoder.hidden.length}`;
  if (decoder.output.units > NATIVE_MAX_CHANNELS) return `it runs up to ${NATIVE_MAX_CHANNELS} outputs per point; this decoder has ${decoder.output.units}`;
  return null;
}

/** The decoder's weight tensors by their contract names (`W1`, `b1`, …), in the contract's order. */
export function decoderWeights(decoder: CoordinateDecoder) {
  const [l1, l2] = decoder.hidden;
  const out = decoder.output;
  const tensors = { W1: l1.kernel, b1: l1.bias, W2: l2.kernel, b2: l2.bias, W3: out.kernel, b3: out.bias };
  return NATIVE_CONTRACT.arrays.filter((a) => a.role === 'weight').map((a) => ({ name: a.name, tensor: tensors[a.name as NativeWeightName] }));
}

/**
 * The arguments of one `run`: the sizes read off the arrays, the decoder's weights by name. The one
 * place that fills {@link NativeRunArgs}; the engine and the tests both call it.
 * @param content `B × Zc`; `affine` `B × 6` or null; `grid` `P × 2`.
 */
export function marshal(
  decoder: CoordinateDecoder,
  arrays: { content: Float32Array; affine: Float32Array | null; grid: Float32Array; target?: Float32Array | null; dimage?: Float32Array | null },
  options: { threads: number; grad?: 0 | 1; bce?: 0 | 1; kernel?: NativeKernel },
): NativeRunArgs {
  const [l1, l2] = decoder.hidden;
  const Zc = decoder.hidden[0].inputs - 2;
  const weights = Object.fromEntries(decoderWeights(decoder).map(({ name, tensor }) => [name, tensor.dataSync() as Float32Array]));
  return {
    B: arrays.content.length / Zc,
    P: arrays.grid.length / 2,
    Zc,
    H1: l1.units,
    H2: l2.units,
    C: decoder.output.units,
    grad: 0,
    ...options,
    ...arrays,
    ...(weights as { [K in NativeWeightName]: Float32Array }),
  };
}

/** How the addon's own table differs from {@link NATIVE_CONTRACT} (null: it does not). */
export function contractMismatch(reported: unknown): string | null {
  const expected = JSON.stringify(NATIVE_CONTRACT);
  const got = JSON.stringify(reported);
  if (got === expected) return null;
  return `its run() contract differs from this package's (the binary is from another version: npm run build:native rebuilds it)`;
}
