import * as tf from '@tensorflow/tfjs-core';
import { float32Values, tensorFilledBy } from '../../backend/heap-values';

/**
 * Where each direction's rows go: side by side in the same rows (a kernel or
 * a bias), or down the diagonal, each direction in rows of its own with
 * zeros in the other's columns (the recurrent matrix).
 */
export type GateLayout = 'interleaved' | 'blockDiagonal';

/**
 * Copies one direction's [rows, 4H] values (Keras' gates i, f, c, o) into
 * the gate-major [·, 8H] layout, or back out of it when `toPacked` is false:
 * column g·H + u of direction d is packed column g·2H + d·H + u.
 */
function copyGates(keras: Float32Array, packed: Float32Array, rows: number, units: number, direction: 0 | 1, firstRow: number, toPacked: boolean): void {
  for (let row = 0; row < rows; row++) {
    for (let gate = 0; gate < 4; gate++) {
      const from = (row * 4 + gate) * units;
      const to = (firstRow + row) * 8 * units + (2 * gate + direction) * units;
      if (toPacked) packed.set(keras.subarray(from, from + units), to);
      else keras.set(packed.subarray(to, to + units), from);
    }
  }
}

/**
 * Packs the two directions' Keras tensors of one kind, [..., 4H] each, into
 * the recurrence's gate-major layout `[i_f i_b | f_f f_b | c_f c_b | o_f o_b]`.
 * `'interleaved'` gives [..., 8H] (kernels [D, 8H], biases [8H]);
 * `'blockDiagonal'` stacks the directions' rows, [2H, 8H] for recurrent
 * kernels [H, 4H], each row feeding only its own direction's columns.
 *
 * One copy in JavaScript, and its gradient the copy back: done with tfjs's
 * split and concat, with their gradients, it cost training ~110 of a step's
 * 266 kernels (~5 ms of kernel time), and packing happens inside every step
 * because the variables keep Keras' layout.
 *
 * @throws RangeError when the shapes differ or the last is not a multiple of 4
 *
 * @example
 * packGates(forwardBias, backwardBias, 'interleaved').shape; // [256] each, H = 64 → [512]
 * packGates(forwardRecurrent, backwardRecurrent, 'blockDiagonal').shape; // [64, 256] each → [128, 512]
 */
export function packGates<T extends tf.Tensor>(forward: T, backward: T, layout: GateLayout): T {
  if (forward.shape.join() !== backward.shape.join() || forward.shape[forward.rank - 1] % 4 !== 0) {
    throw new RangeError(`packGates: expected two tensors of one shape [..., 4H], got [${forward.shape}] and [${backward.shape}]`);
  }
  const width = forward.shape[forward.rank - 1];
  const units = width / 4;
  const rows = forward.size / width;
  const packedRows = layout === 'blockDiagonal' ? 2 * rows : rows;
  const packedShape = [...forward.shape.slice(0, -1), 8 * units];
  if (layout === 'blockDiagonal') packedShape[0] = packedRows;
  const firstRow = (direction: 0 | 1) => (layout === 'blockDiagonal' ? direction * rows : 0);

  const pack = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // Each read is a view of the wasm heap, taken after the tensor it fills is allocated.
    const value = tensorFilledBy(packedShape, (packed) => {
      if (layout === 'blockDiagonal') packed.fill(0);
      copyGates(float32Values(args[0] as tf.Tensor), packed, rows, units, 0, firstRow(0), true);
      copyGates(float32Values(args[1] as tf.Tensor), packed, rows, units, 1, firstRow(1), true);
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor) =>
        ([0, 1] as const).map((direction) =>
          tensorFilledBy(forward.shape, (unpacked) => copyGates(unpacked, float32Values(dy), rows, units, direction, firstRow(direction), false)),
        ),
    };
  });
  return pack(forward, backward) as T;
}
