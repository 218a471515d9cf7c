import * as tf from '@tensorflow/tfjs-core';
import { float32Values, tensorFilledBy } from '../../backend/heap-values';

/**
 * Copies the final states [B, 2H] out of time-aligned states [T, B, 2H], or,
 * for the gradient, when `toStates` is true, back into their places in
 * `states` (a [T, B, 2H] of zeros).
 */
function copyFinal(states: Float32Array, final: Float32Array, steps: number, batch: number, units: number, toStates: boolean): void {
  for (let b = 0; b < batch; b++) {
    const forwardAt = ((steps - 1) * batch + b) * 2 * units;
    const backwardAt = b * 2 * units + units;
    const finalAt = b * 2 * units;
    if (toStates) {
      states.set(final.subarray(finalAt, finalAt + units), forwardAt);
      states.set(final.subarray(finalAt + units, finalAt + 2 * units), backwardAt);
    } else {
      final.set(states.subarray(forwardAt, forwardAt + units), finalAt);
      final.set(states.subarray(backwardAt, backwardAt + units), finalAt + units);
    }
  }
}

/**
 * The states a bidirectional layer ends in, [T, B, 2H] → [B, 2H]: the
 * forward direction's at the last timestep, then the backward direction's at
 * the first, which it reaches last. What Keras' `Bidirectional(LSTM(...))`
 * returns without `return_sequences`, before merging.
 *
 * One JavaScript copy, and its gradient the copy back into zeros. Written with
 * tfjs's two slices and a concat, a training step also paid for two pads, an
 * add and two copies of the whole [T, B, 2H] that the slices' gradients
 * keep (wasm `slice` copies its whole input besides): ~2 ms of ~70.
 *
 * @example
 * finalStates(states).shape; // states [100, 32, 64] (H = 32) → [32, 64]
 */
export function finalStates(states: tf.Tensor3D): tf.Tensor2D {
  // Outside a gradient computation the custom gradient's scope is pure overhead (see affine).
  if (!tf.engine().state.gradientDepth) return readFinal(states);
  return finalWithGradient(states);
}

function readFinal(states: tf.Tensor3D): tf.Tensor2D {
  const [steps, batch, width] = states.shape;
  return tensorFilledBy([batch, width], (final) => copyFinal(float32Values(states), final, steps, batch, width / 2, false)) as tf.Tensor2D;
}

const finalWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const states = args[0] as tf.Tensor3D;
  const [steps, batch, width] = states.shape;
  return {
    value: readFinal(states),
    gradFunc: (dy: tf.Tensor) => {
      return tensorFilledBy([steps, batch, width], (dStates) => {
        dStates.fill(0);
        copyFinal(dStates, float32Values(dy), steps, batch, width / 2, true);
      });
    },
  };
}) as (states: tf.Tensor3D) => tf.Tensor2D;
