import * as tf from '@tensorflow/tfjs-core';
import { tensorFilledBy } from '../backend/heap-values';
import { projectInput, type PackedBidirectionalLstm } from './layers/bidirectional-lstm';
import { embeddingLookup, pickRows } from './ops/embedding-lookup';

/**
 * Rows of an embedding matrix [V, D] by token id: a tensor's
 * ({@link tensorRows}), or an artifact's, dequantized row by row as tokens
 * come (`StoredTensor`), so that serving need not hold the whole matrix.
 */
export interface EmbeddingRows {
  readonly shape: readonly number[];
  /** Rows `ids`, [ids.length, D] row-major; throws RangeError for an id outside [0, V). */
  rows(ids: Int32Array): Float32Array;
}

/**
 * The rows of an embedding tensor.
 *
 * @example
 * tensorRows(tf.tensor2d([[0, 0], [1, 2]])).rows(Int32Array.of(1)); // Float32Array [1, 2]
 */
export function tensorRows(embedding: tf.Tensor2D): EmbeddingRows {
  return {
    shape: embedding.shape,
    rows(ids) {
      // Read outside tf.tidy, which walks a returned typed array value by value (~0.7 µs each).
      const rows = embeddingLookup(embedding, ids, [ids.length]);
      const values = rows.dataSync() as Float32Array;
      rows.dispose();
      return values;
    },
  };
}

/**
 * Rows the table starts with room for: a first review's distinct tokens.
 * It grows by doubling; starting at the vocabulary's size instead (20 MiB
 * for the tutorial model) cost a worker's cold start ~10 ms.
 */
const INITIAL_ROWS = 256;

/**
 * The first recurrent layer's projected input, embedding·W + b, as a table
 * with one row per token id, for serving: a row depends only on its token,
 * so a text looks its rows up instead of multiplying, and a token's row is
 * computed, by the same product, the first time a text uses it.
 *
 * The product it saves is the largest of a prediction (T × 64 × 512
 * multiply-adds for the tutorial model, ~0.15–0.3 ms of a 100-token
 * review); a lookup copies 2 KiB a token. The table grows with the tokens
 * seen, to at most vocabulary × 8H floats (20 MiB for the tutorial model),
 * in JavaScript memory, not tfjs's: it holds no tensors.
 *
 * @example
 * const table = new ProjectionTable(tensorRows(embedding), packedFirstLayer);
 * const projected = table.lookup(timeMajorIds, [steps, batch]); // same values as projectInput(embed(ids))
 */
export class ProjectionTable {
  private readonly width: number;
  /** Each token's row in `rows`, or −1 until a text uses it. */
  private readonly slots: Int32Array;
  /** Rows in the order their tokens first came, with room to grow. */
  private rows: Float32Array;
  private used = 0;

  /** Reads `embedding` and `layer` whenever a new token comes; the caller keeps them alive. */
  constructor(
    private readonly embedding: EmbeddingRows,
    private readonly layer: PackedBidirectionalLstm,
  ) {
    const [vocabulary] = embedding.shape;
    this.width = layer.kernel.shape[1];
    this.slots = new Int32Array(vocabulary).fill(-1);
    this.rows = new Float32Array(INITIAL_ROWS * this.width);
  }

  /** Rows computed so far: how many distinct tokens the table has seen. */
  get size(): number {
    return this.used;
  }

  /**
   * The projection of token ids, time-major [T·B], as [T, B, 8H].
   *
   * @throws RangeError when an id is not a row of the embedding
   */
  lookup(ids: Int32Array, [steps, batch]: readonly [number, number]): tf.Tensor3D {
    this.computeMissing(ids);
    const { width, rows, slots } = this;
    const rowsOfIds = ids.map((id) => slots[id]);
    return tensorFilledBy([steps, batch, width], (into) => pickRows(rows, width, rowsOfIds, into)) as tf.Tensor3D;
  }

  private computeMissing(ids: Int32Array): void {
    // Ids outside the table have no slot either, and reading their rows refuses them.
    const missing = Int32Array.from(new Set(ids.filter((id) => !(this.slots[id] >= 0))));
    if (missing.length === 0) return;
    const embedded = this.embedding.rows(missing);
    const projected = tf.tidy(() => projectInput(tf.tensor3d(embedded, [missing.length, 1, this.embedding.shape[1]]), this.layer));
    const values = projected.dataSync() as Float32Array;
    projected.dispose();
    const { width } = this;
    this.reserve(this.used + missing.length);
    this.rows.set(values, this.used * width);
    missing.forEach((id, i) => (this.slots[id] = this.used + i));
    this.used += missing.length;
  }

  /** Grows `rows` to hold `count` rows, doubling, so that growing costs a copy per row at most once on average. */
  private reserve(count: number): void {
    const capacity = this.rows.length / this.width;
    if (count <= capacity) return;
    let grown = capacity * 2;
    while (grown < count) grown *= 2;
    const rows = new Float32Array(grown * this.width);
    rows.set(this.rows.subarray(0, this.used * this.width));
    this.rows = rows;
  }
}
