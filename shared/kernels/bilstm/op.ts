import * as tf from '@tensorflow/tfjs-core';
import { float32Values, tensorOfView } from '../../backend/heap-values';
import { recurrenceShape, type TimeMask } from '../../model/ops/bidirectional-recurrence';
import { offerGradientByproducts } from '../../model/ops/gradient-byproducts';
import type { Recurrence } from '../../model/ops/recurrence-engine';
import type { BilstmKernel } from './kernel';

/**
 * `bidirectionalRecurrence` on the fused kernel: same inputs, same states,
 * same gradients, one kernel call per layer and direction pair instead of
 * ~25 tfjs kernels per step. Data crosses between tfjs and the kernel once
 * per call, through typed arrays.
 *
 * The kernel computes each direction with its own diagonal block of
 * `recurrent`, so it insists that the off-diagonal blocks be zero (the layer
 * builds them so), and the gradient it returns for `recurrent` is the
 * gradient with respect to the diagonal blocks, zero elsewhere. The
 * reference, computing with the full matrix, also fills the off-diagonal
 * blocks of its gradient; the layer discards them, since they flow back to
 * a constant.
 *
 * @example
 * installRecurrenceKernel(kernelRecurrence(kernel));
 */
export function kernelRecurrence(kernel: BilstmKernel): Recurrence {
  return (projected, recurrent, mask) => {
    const shape = recurrenceShape(projected, recurrent);
    const { steps, batch, units } = shape;
    assertMask(mask, steps * batch);
    const weights = blockDiagonalValues(recurrent, units);
    // The kernel's answers are views of its memory, valid until its next call.
    const statesTensor = (states: Float32Array) => tensorOfView(states, [steps, batch, 2 * units]) as tf.Tensor3D;
    const inputs = (p: tf.Tensor3D) => ({ projected: float32Values(p), recurrent: weights, mask });

    if (!tf.engine().state.gradientDepth) return statesTensor(kernel.forward(shape, inputs(projected)));

    const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const { states, history } = kernel.forwardRecorded(shape, inputs(args[0] as tf.Tensor3D));
      return {
        value: statesTensor(states),
        gradFunc: (dy: tf.Tensor) => {
          const dStates = float32Values(dy);
          const gradients = kernel.backward(shape, { recurrent: weights, mask, dStates, history });
          // The tape runs a gradient function once, so the history is done with.
          kernel.release(history);
          const dProjected = tensorOfView(gradients.dProjected, projected.shape);
          offerGradientByproducts(dProjected, {
            transposed: tensorOfView(gradients.dProjectedTransposed, [8 * units, steps * batch]) as tf.Tensor2D,
            rowSums: tensorOfView(gradients.dProjectedSums, [8 * units]) as tf.Tensor1D,
          });
          return [dProjected, tensorOfView(gradients.dRecurrent, recurrent.shape)];
        },
      };
    });
    return withGradient(projected, recurrent) as tf.Tensor3D;
  };
}

/**
 * Read and checked once per tensor value: serving weights (`ServingWeights`)
 * keep one recurrent tensor for every call, and reading plus checking its
 * 2H·8H floats each time would cost more than a short text's recurrence.
 * Keyed by the data, not the tensor: a variable that is assigned gets new data.
 */
const checkedRecurrent = new WeakMap<object, Float32Array>();

function blockDiagonalValues(recurrent: tf.Tensor2D, units: number): Float32Array {
  const cached = checkedRecurrent.get(recurrent.dataId);
  if (cached) return cached;
  const values = recurrent.dataSync() as Float32Array;
  assertBlockDiagonal(values, units);
  checkedRecurrent.set(recurrent.dataId, values);
  return values;
}

function assertMask(mask: TimeMask | null, expectedLength: number): void {
  if (!mask) return;
  if (mask.length !== expectedLength) {
    throw new RangeError(`bidirectionalRecurrence: the mask has ${mask.length} values, expected T·B = ${expectedLength}`);
  }
  const index = mask.findIndex((value) => value !== 0 && value !== 1);
  if (index >= 0) throw new RangeError(`bidirectionalRecurrence: mask[${index}] is ${mask[index]}, expected 0 or 1`);
}

/** Rows 0..H−1 feed only forward columns (g·2H + u), rows H..2H−1 only backward ones (g·2H + H + u). */
function assertBlockDiagonal(recurrent: Float32Array, units: number): void {
  const width = 8 * units;
  for (let row = 0; row < 2 * units; row++) {
    const foreign = row < units ? units : 0; // the other direction's columns within each gate
    for (let gate = 0; gate < 4; gate++) {
      for (let u = 0; u < units; u++) {
        if (recurrent[row * width + gate * 2 * units + foreign + u] !== 0) {
          throw new RangeError(
            'bidirectionalRecurrence (kernel engine): recurrent must be block-diagonal, one [H, 4H] block per direction; ' +
              `recurrent[${row}][${gate * 2 * units + foreign + u}] is not 0`,
          );
        }
      }
    }
  }
}
