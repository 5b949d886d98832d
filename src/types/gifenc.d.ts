// The parts of gifenc (which ships no types) that this package uses.
declare module 'gifenc' {
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: { palette?: number[][]; delay?: number; repeat?: number }): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  export function GIFEncoder(): Encoder;
  /** A palette of at most `maxColors` RGB colours for RGBA bytes. */
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number): number[][];
  /** Each RGBA pixel's index in `palette`. */
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: number[][]): Uint8Array;
}
