/**
 * A float32 tensor with its name, as training hands it to the encoder and as
 * the decoder hands it back. `values` is row-major and holds exactly
 * `elementCount(shape)` numbers.
 *
 * @example
 * ```ts
 * const bias: NamedTensor = { name: 'dense/bias', shape: [2], values: new Float32Array([0.1, -0.1]) };
 * ```
 */
export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Number of elements in a tensor of this shape; a scalar (`[]`) has one.
 *
 * @example
 * ```ts
 * elementCount([64, 256]); // 16384
 * elementCount([]); // 1
 * ```
 */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, dimension) => count * dimension, 1);
}
