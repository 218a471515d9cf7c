import * as tf from '@tensorflow/tfjs-core';

/** What tfjs computed on the active backend, next to the closed-form answer. */
export interface BackendCase {
  actual: number[];
  expected: number[];
}

/**
 * Computations that training relies on, each run through tfjs on the active
 * backend and worked out independently in plain JavaScript, so that every
 * runtime (vitest in Node, tsx, workerd) checks the same numbers.
 *
 * @example
 * ```ts
 * await startNodeBackend();
 * const { actual, expected } = backendCases.gradientOfEmbedding();
 * ```
 */
export const backendCases: Record<string, () => BackendCase> = {
  matMul: matMulCase,
  largeMatMul: largeMatMulCase,
  gradientOfSum: gradientOfSumCase,
  gradientOfEmbedding: gradientOfEmbeddingCase,
  unsortedSegmentSum: unsortedSegmentSumCase,
};

/** [2, 3] · [3, 2], against the textbook triple loop. */
function matMulCase(): BackendCase {
  const a = [
    [1, 2, 3],
    [4, 5, 6],
  ];
  const b = [
    [7, 8],
    [9, 10],
    [11, 12],
  ];
  const expected = a.flatMap((row) => b[0].map((_, j) => row.reduce((sum, aik, k) => sum + aik * b[k][j], 0)));
  const actual = tf.tidy(() => tf.matMul(tf.tensor2d(a), tf.tensor2d(b)).dataSync());
  return { actual: [...actual], expected };
}

/**
 * [64, 300] · [300, 96]: large enough for XNNPACK to share the rows out
 * among threads. Small integers keep every sum exact in float32, so the
 * summation order, which threads change, cannot change the answer.
 */
function largeMatMulCase(): BackendCase {
  const [rows, depth, cols] = [64, 300, 96];
  const a = Array.from({ length: rows * depth }, (_, i) => ((i * 7) % 5) - 2);
  const b = Array.from({ length: depth * cols }, (_, i) => ((i * 11) % 7) - 3);
  const expected = Array.from({ length: rows * cols }, (_, at) => {
    const [row, col] = [Math.floor(at / cols), at % cols];
    let sum = 0;
    for (let k = 0; k < depth; k++) sum += a[row * depth + k] * b[k * cols + col];
    return sum;
  });
  const actual = tf.tidy(() => tf.matMul(tf.tensor2d(a, [rows, depth]), tf.tensor2d(b, [depth, cols])).dataSync());
  return { actual: [...actual], expected };
}

/** d/dx Σ 3·xᵢ² = 6·x. */
function gradientOfSumCase(): BackendCase {
  const x = [-1.5, 0, 2, 4.25];
  const actual = tf.tidy(() =>
    tf.grad((input: tf.Tensor) => tf.sum(tf.mul(3, tf.square(input))))(tf.tensor1d(x)).dataSync(),
  );
  return { actual: [...actual], expected: x.map((value) => 6 * value) };
}

/**
 * An embedding lookup with repeated tokens: the gradient of
 * Σ gather(table, ids) ⊙ w with respect to row v of the table is the sum of
 * the w rows at every position holding token v (0 for unused tokens).
 */
function gradientOfEmbeddingCase(): BackendCase {
  const [vocabulary, width] = [5, 3];
  const ids = [
    [3, 1, 3],
    [0, 3, 1],
  ];
  const weightAt = (b: number, t: number, d: number) => 0.5 * b - 0.25 * t + d + 1;
  const table = Array.from({ length: vocabulary * width }, (_, i) => i / 10);

  const expected = new Array<number>(vocabulary * width).fill(0);
  ids.forEach((row, b) =>
    row.forEach((token, t) => {
      for (let d = 0; d < width; d++) expected[token * width + d] += weightAt(b, t, d);
    }),
  );

  const actual = tf.tidy(() => {
    const w = tf.tensor3d(ids.map((row, b) => row.map((_, t) => Array.from({ length: width }, (_, d) => weightAt(b, t, d)))));
    const indices = tf.tensor2d(ids, undefined, 'int32');
    const loss = (embeddings: tf.Tensor) => tf.sum(tf.mul(tf.gather(embeddings, indices), w));
    return tf.grad(loss)(tf.tensor2d(table, [vocabulary, width])).dataSync();
  });
  return { actual: [...actual], expected };
}

/** Rows summed by segment; segments 1 and 3 are empty and the id -1 is dropped. */
function unsortedSegmentSumCase(): BackendCase {
  const rows = [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
    [11, 12],
  ];
  const segmentIds = [2, 0, 2, -1, 2, 0];
  const numSegments = 4;
  const expected = [3 + 11, 4 + 12, 0, 0, 1 + 5 + 9, 2 + 6 + 10, 0, 0];
  const actual = tf.tidy(() =>
    tf.unsortedSegmentSum(tf.tensor2d(rows), tf.tensor1d(segmentIds, 'int32'), numSegments).dataSync(),
  );
  return { actual: [...actual], expected };
}
