import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { embeddingLookup } from '../../shared/model/ops/embedding-lookup';

beforeAll(async () => {
  await startNodeBackend();
});

/** A table whose row v holds v·10 + d, so each picked value names its row and column. */
const table = (vocabulary: number, width: number) =>
  tf.tensor2d(Float32Array.from({ length: vocabulary * width }, (_, i) => Math.floor(i / width) * 10 + (i % width)), [vocabulary, width]);

describe('embeddingLookup', () => {
  it('picks the rows the ids name, in the shape asked for', () => {
    const looked = embeddingLookup(table(4, 2), Int32Array.of(3, 0, 3, 1, 2, 3), [3, 2]);
    expect(looked.shape).toEqual([3, 2, 2]);
    expect(looked.arraySync()).toEqual([
      [[30, 31], [0, 1]],
      [[30, 31], [10, 11]],
      [[20, 21], [30, 31]],
    ]);
  });

  it('equals tf.gather on any table and ids', () => {
    const cases = fc
      .record({ vocabulary: fc.integer({ min: 1, max: 30 }), width: fc.integer({ min: 1, max: 9 }), length: fc.integer({ min: 1, max: 40 }) })
      .chain(({ vocabulary, width, length }) =>
        fc.record({
          values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: vocabulary * width, maxLength: vocabulary * width }),
          ids: fc.array(fc.integer({ min: 0, max: vocabulary - 1 }), { minLength: length, maxLength: length }),
          vocabulary: fc.constant(vocabulary),
          width: fc.constant(width),
        }),
      );
    fc.assert(
      fc.property(cases, ({ values, ids, vocabulary, width }) => {
        tf.tidy(() => {
          const weights = tf.tensor2d(values, [vocabulary, width]);
          const expected = tf.gather(weights, tf.tensor1d(ids, 'int32')).dataSync();
          expect(embeddingLookup(weights, Int32Array.from(ids), [ids.length]).dataSync()).toEqual(expected);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("has gather's gradient: each row gets the sum of dy at its ids' positions, unused rows 0", () => {
    const ids = Int32Array.of(2, 0, 2, 2);
    const dy = tf.tensor3d([[[1, 2]], [[3, 4]], [[5, 6]], [[7, 8]]]); // [4, 1, 2]
    const gradient = tf.grad((weights: tf.Tensor) => embeddingLookup(weights as tf.Tensor2D, ids, [4, 1]))(table(4, 2), dy);
    // row 0: position 1; row 2: positions 0, 2 and 3; rows 1 and 3: none
    expect(gradient.arraySync()).toEqual([[3, 4], [0, 0], [13, 16], [0, 0]]);
  });

  it('refuses an id outside the table, naming it, and a shape that does not hold the ids', () => {
    expect(() => embeddingLookup(table(4, 2), Int32Array.of(1, 4), [2])).toThrow(
      'embeddingLookup: ids[1] = 4 is not a row of a table of 4',
    );
    expect(() => embeddingLookup(table(4, 2), Int32Array.of(-1), [1])).toThrow('ids[0] = -1 is not a row');
    expect(() => embeddingLookup(table(4, 2), Int32Array.of(1, 2, 3), [2, 2])).toThrow(
      'embeddingLookup: shape [2,2] does not hold 3 ids',
    );
  });
});
