import type { WeightQuantization } from './manifest';
import { elementCount, type NamedTensor } from './named-tensor';
import { dequantizeTensor, dequantizeUint8Into } from './quantize';

/**
 * A tensor of `weights.bin` as the artifact stores it, dequantized the first
 * time its `values` are read. `rows` reads rows of a matrix without that:
 * a server that looks up the few hundred embedding rows its texts use
 * (`ProjectionTable`) never holds the 640,000 float32 values of the
 * tutorial model's embedding, whose dequantizing and upload cost a worker's
 * cold start ~5 ms.
 *
 * @example
 * ```ts
 * const { tensors } = await decodeArtifact(modelJson, weightsBin);
 * const embedding = tensors[0]; // a StoredTensor, shape [10000, 64], nothing dequantized yet
 * embedding.rows(Int32Array.of(7, 2)); // Float32Array(128): rows 7 and 2, as embedding.values holds them
 * ```
 */
export class StoredTensor implements NamedTensor {
  /** Own and enumerable, so that copies and comparisons see it as a plain field. */
  declare readonly values: Float32Array;
  readonly #bytes: Uint8Array;
  readonly #quantization: WeightQuantization | undefined;
  #dequantized: Float32Array | undefined;

  constructor(
    readonly name: string,
    readonly shape: number[],
    bytes: Uint8Array,
    quantization: WeightQuantization | undefined,
  ) {
    this.#bytes = bytes;
    this.#quantization = quantization;
    Object.defineProperty(this, 'values', {
      enumerable: true,
      get: () => (this.#dequantized ??= dequantizeTensor(this.#bytes, this.#quantization)),
    });
  }

  /**
   * Rows `ids` of the tensor taken as [rows, last dimension], row-major, with
   * the values `values` holds for them.
   *
   * @throws RangeError when an id is not a row
   */
  rows(ids: Int32Array): Float32Array {
    const width = this.shape[this.shape.length - 1] ?? 1;
    const rowCount = width === 0 ? 0 : elementCount(this.shape) / width;
    const outside = ids.findIndex((id) => !(id >= 0 && id < rowCount));
    if (outside >= 0) throw new RangeError(`${this.name}: ids[${outside}] = ${ids[outside]} is not one of its ${rowCount} rows`);
    const picked = new Float32Array(ids.length * width);
    const quantization = this.#quantization;
    if (quantization?.dtype === 'uint8' && !this.#dequantized) {
      ids.forEach((id, k) => dequantizeUint8Into(picked, k * width, this.#bytes.subarray(id * width, (id + 1) * width), quantization));
    } else {
      const { values } = this;
      ids.forEach((id, k) => picked.set(values.subarray(id * width, (id + 1) * width), k * width));
    }
    return picked;
  }
}
