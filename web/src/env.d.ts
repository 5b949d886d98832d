declare module 'virtual:gallery' {
  /** Side of the square images. */
  export const size: number;
  export const labels: number[];
  /** Base64 of `labels.length × size²` bytes: MNIST test digits. */
  export const upright: string;
  /** The same digits, each turned by a fixed random angle in ±45°. */
  export const rotated: string;
}
