import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface UnsortedSegmentSumArgs {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: BackendWasm;
  attrs: UnsortedSegmentSumAttrs;
}

const SUMMABLE_DTYPES = new Set(['float32', 'int32']);

function unsortedSegmentSum({ inputs, backend, attrs }: UnsortedSegmentSumArgs): TensorInfo {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  assertValidInputs(x, segmentIds, numSegments);
  assertIdsBelow(numSegments, backend.typedArrayFromHeap(segmentIds));

  const innerShape = x.shape.slice(segmentIds.shape.length);
  const innerSize = util.sizeFromShape(innerShape);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  // Views come after makeOutput: allocating may grow the wasm heap, which
  // detaches every view taken before.
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0) continue;
    const from = i * innerSize;
    const to = segment * innerSize;
    for (let j = 0; j < innerSize; j++) {
      sums[to + j] += values[from + j];
    }
  }
  return out;
}

function assertValidInputs(x: TensorInfo, segmentIds: TensorInfo, numSegments: number): void {
  if (!SUMMABLE_DTYPES.has(x.dtype)) {
    throw new TypeError(`unsortedSegmentSum: x must be float32 or int32, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new TypeError(`unsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new RangeError(`unsortedSegmentSum: numSegments must be an integer >= 0, got ${numSegments}`);
  }
  const prefix = x.shape.slice(0, segmentIds.shape.length);
  if (!util.arraysEqual(prefix, segmentIds.shape)) {
    throw new RangeError(
      `unsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
}

function assertIdsBelow(numSegments: number, ids: ArrayLike<number>): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] >= numSegments) {
      throw new RangeError(
        `unsortedSegmentSum: segmentIds[${i}] = ${ids[i]} is out of range for numSegments = ${numSegments}`,
      );
    }
  }
}

/**
 * `out[s] = Σ x[i]` over every `i` with `segmentIds[i] == s`, TensorFlow's
 * semantics: `segmentIds.shape` is a prefix of `x.shape`, the output has shape
 * `[numSegments, ...x.shape.slice(segmentIds.rank)]`, a segment nobody points
 * at sums to 0, and negative ids are dropped.
 *
 * tfjs-backend-wasm 4.22 ships no such kernel, yet the gradient of `gather`
 * (the embedding lookup) needs it to add up the rows of repeated tokens.
 *
 * @example
 * ```ts
 * tf.registerKernel(unsortedSegmentSumConfig);
 * tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0, 1], 'int32'), 2); // [2, 4]
 * ```
 */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
