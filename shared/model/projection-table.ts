import * as tf from '@tensorflow/tfjs-core';
import { projectInput, type PackedBidirectionalLstm } from './layers/bidirectional-lstm';
import { embeddingLookup } from './ops/embedding-lookup';

/**
 * The first recurrent layer's projected input, embedding·W + b, as a table
 * with one row per token id, for serving: a row depends only on its token,
 * so a text looks its rows up instead of multiplying, and a token's row is
 * computed, by the same product, the first time a text uses it.
 *
 * The product it saves is the largest of a prediction (T × 64 × 512
 * multiply-adds for the tutorial model, ~0.15–0.25 ms of a 100-token
 * review); a lookup copies 2 KiB a token. The table grows to at most
 * vocabulary × 8H floats (20 MiB for the tutorial model, all 10,000 tokens
 * seen), in JavaScript memory, not tfjs's: it holds no tensors.
 *
 * @example
 * const table = new ProjectionTable(embedding, packedFirstLayer);
 * const projected = table.lookup(timeMajorIds, [steps, batch]); // same values as projectInput(embed(ids))
 */
export class ProjectionTable {
  private readonly width: number;
  private readonly rows: Float32Array;
  /** 1 where the row of that id is computed. */
  private readonly computed: Uint8Array;

  /** Reads `embedding` and `layer` whenever a new token comes; the caller keeps them alive. */
  constructor(
    private readonly embedding: tf.Tensor2D,
    private readonly layer: PackedBidirectionalLstm,
  ) {
    const [vocabulary] = embedding.shape;
    this.width = layer.kernel.shape[1];
    this.rows = new Float32Array(vocabulary * this.width);
    this.computed = new Uint8Array(vocabulary);
  }

  /** Rows computed so far: how many distinct tokens the table has seen. */
  get size(): number {
    return this.computed.reduce((count, done) => count + done, 0);
  }

  /**
   * The projection of token ids, time-major [T·B], as [T, B, 8H].
   *
   * @throws RangeError when an id is not a row of the embedding
   */
  lookup(ids: Int32Array, [steps, batch]: readonly [number, number]): tf.Tensor3D {
    this.computeMissing(ids);
    const { width, rows } = this;
    const picked = new Float32Array(ids.length * width);
    ids.forEach((id, i) => picked.set(rows.subarray(id * width, (id + 1) * width), i * width));
    return tf.tensor3d(picked, [steps, batch, width]);
  }

  private computeMissing(ids: Int32Array): void {
    // Ids outside the table are "missing" too, and the lookup below refuses them.
    const missing = Int32Array.from(new Set(ids.filter((id) => this.computed[id] !== 1)));
    if (missing.length === 0) return;
    const projected = tf.tidy(() => projectInput(embeddingLookup(this.embedding, missing, [missing.length, 1]) as tf.Tensor3D, this.layer));
    const values = projected.dataSync() as Float32Array;
    projected.dispose();
    const { width } = this;
    missing.forEach((id, i) => {
      this.rows.set(values.subarray(i * width, (i + 1) * width), id * width);
      this.computed[id] = 1;
    });
  }
}
