import * as tf from '@tensorflow/tfjs-core';
import { float32Values, tensorToFill } from '../../backend/heap-values';
import { recurrenceShape, type TimeMask } from '../../model/ops/bidirectional-recurrence';
import { offerGradientByproducts } from '../../model/ops/gradient-byproducts';
import type { Recurrence } from '../../model/ops/recurrence-engine';
import type { BilstmKernel } from './kernel';
import { RecentTiles } from './recent-tiles';

/**
 * `bidirectionalRecurrence` on the fused kernel: same inputs, same states,
 * same gradients, one kernel call per layer and direction pair instead of
 * ~25 tfjs kernels per step. The kernel works in tfjs's heap: it reads the
 * input tensors where they are and writes into new tensors, copying nothing.
 * Passes without a gradient (serving) pack a recurrent tensor for the
 * kernel's products once and reuse the packing (see `RecentTiles`). With
 * `frozenWeights` (serving's weights, differentiated only to explain a
 * prediction), the backward pass gives dProjected alone
 * (`BilstmKernel.inputGradient`).
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
  const recentTiles = new RecentTiles(kernel);
  return (projected, recurrent, mask, { frozenWeights = false } = {}) => {
    const shape = recurrenceShape(projected, recurrent);
    const { steps, batch, units } = shape;
    assertMask(mask, steps * batch);
    assertBlockDiagonalOnce(recurrent, units);
    // Views are taken after the output tensors are allocated: allocating may
    // grow the heap, which detaches the views of an unshared memory.
    const statesTensor = () => tensorToFill([steps, batch, 2 * units]) as tf.Tensor3D;
    const inputs = (p: tf.Tensor3D) => ({ projected: float32Values(p), recurrent: float32Values(recurrent), mask });

    if (!tf.engine().state.gradientDepth) {
      const states = statesTensor();
      kernel.forward(shape, { ...inputs(projected), tiles: recentTiles.of(recurrent, units) }, float32Values(states));
      return states;
    }

    // Frozen weights (serving's) are no input of the op: their gradient is never asked for.
    const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const states = statesTensor();
      const { history } = kernel.forwardRecorded(shape, inputs(args[0] as tf.Tensor3D), float32Values(states));
      // Kept for the backward pass, which reads the weights where they are.
      (args[args.length - 1] as tf.GradSaveFunc)([recurrent]);
      return {
        value: states,
        gradFunc: (dy: tf.Tensor, [weights]: tf.Tensor[]) => {
          // Outputs first, as above: views of the inputs are taken after allocating.
          const dProjected = tensorToFill(projected.shape) as tf.Tensor3D;
          const backwardInputs = () => ({ recurrent: float32Values(weights), mask, dStates: float32Values(dy), history });
          try {
            if (frozenWeights) {
              kernel.inputGradient(shape, backwardInputs(), float32Values(dProjected));
              return [dProjected];
            }
            const transposed = tensorToFill([8 * units, steps * batch]) as tf.Tensor2D;
            const rowSums = tensorToFill([8 * units]) as tf.Tensor1D;
            const dRecurrent = tensorToFill(recurrent.shape) as tf.Tensor2D;
            kernel.backward(shape, backwardInputs(), {
              dProjected: float32Values(dProjected),
              dProjectedTransposed: float32Values(transposed),
              dProjectedSums: float32Values(rowSums),
              dRecurrent: float32Values(dRecurrent),
            });
            offerGradientByproducts(dProjected, { transposed, rowSums });
            return [dProjected, dRecurrent];
          } finally {
            // The tape runs a gradient function once, so the history is done with.
            kernel.release(history);
          }
        },
      };
    });
    return (frozenWeights ? withGradient(projected) : withGradient(projected, recurrent)) as tf.Tensor3D;
  };
}

/**
 * Checked once per tensor value: serving weights (`ServingWeights`) keep one
 * recurrent tensor for every call, and checking its 2H·8H floats each time
 * would cost more than a short text's recurrence. Keyed by the data, not the
 * tensor: a variable that is assigned gets new data.
 */
const blockDiagonal = new WeakSet<object>();

function assertBlockDiagonalOnce(recurrent: tf.Tensor2D, units: number): void {
  if (blockDiagonal.has(recurrent.dataId)) return;
  assertBlockDiagonal(float32Values(recurrent), units);
  blockDiagonal.add(recurrent.dataId);
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
