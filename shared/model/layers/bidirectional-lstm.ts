import * as tf from '@tensorflow/tfjs-core';
import type { MergeMode } from '../config';
import type { TimeMask } from '../ops/bidirectional-recurrence';
import { affine } from '../ops/affine';
import { finalStates } from '../ops/final-states';
import type { FrozenWeights } from '../ops/frozen-weights';
import { packGates } from '../ops/pack-gates';
import { recurrence } from '../ops/recurrence-engine';

/** One direction's tensors in Keras' layout: gates i, f, c, o along the last axis. */
export interface LstmWeights {
  kernel: tf.Tensor2D; // [D, 4H]
  recurrentKernel: tf.Tensor2D; // [H, 4H]
  bias: tf.Tensor1D; // [4H]
}

/**
 * Both directions' weights in the recurrence's gate-major layout
 * `[i_f i_b | f_f f_b | c_f c_b | o_f o_b]`: what {@link bidirectionalLstm} reads.
 */
export interface PackedBidirectionalLstm {
  kernel: tf.Tensor2D; // [D, 8H]
  /** Block-diagonal: each direction's [H, 4H] block, zeros elsewhere. */
  recurrent: tf.Tensor2D; // [2H, 8H]
  bias: tf.Tensor1D; // [8H]
}

export interface BidirectionalLstmOptions extends FrozenWeights {
  weights: PackedBidirectionalLstm;
  mergeMode: MergeMode;
  /** Keras `return_sequences`: every timestep's output, or only the final one. */
  returnSequences: boolean;
  mask: TimeMask | null;
}

/**
 * Packs Keras' per-direction tensors into the layout of {@link bidirectionalLstm}.
 * Differentiable, so training packs its variables inside every step (three
 * copies); a model that serves packs once at load (see `ServingWeights`).
 *
 * @example
 * const packed = packBidirectionalLstm(forward, backward); // H = 64, D = 64
 * packed.kernel.shape; // [64, 512]
 * packed.recurrent.shape; // [128, 512]
 */
export function packBidirectionalLstm(forward: LstmWeights, backward: LstmWeights): PackedBidirectionalLstm {
  return {
    kernel: packGates(forward.kernel, backward.kernel, 'interleaved'),
    recurrent: packGates(forward.recurrentKernel, backward.recurrentKernel, 'blockDiagonal'),
    bias: packGates(forward.bias, backward.bias, 'interleaved'),
  };
}

/**
 * Merges the [forward | backward] halves of the last axis as Keras'
 * `merge_mode` does; the halves are already concat's answer.
 */
function mergeDirections(states: tf.Tensor, mode: MergeMode): tf.Tensor {
  if (mode === 'concat') return states;
  const [forward, backward] = tf.split(states, 2, -1);
  switch (mode) {
    case 'sum':
      return tf.add(forward, backward);
    case 'mul':
      return tf.mul(forward, backward);
    case 'ave':
      return tf.mul(tf.add(forward, backward), 0.5);
  }
}

/**
 * The input of every timestep projected for both directions at once, one
 * large product: x·W + b, [T, B, D] → [T, B, 8H] in the gate-major layout.
 *
 * @example
 * projectInput(x, packed).shape; // x [100, 1, 64], H = 64 → [100, 1, 512]
 */
export function projectInput(input: tf.Tensor3D, weights: PackedBidirectionalLstm, options: FrozenWeights = {}): tf.Tensor3D {
  return affine(input, weights.kernel, weights.bias, 'linear', options);
}

/**
 * Keras `Bidirectional(LSTM(units))` on a time-major sequence.
 *
 * @param input [T, B, D], time-major.
 * @returns [T, B, W] when `returnSequences` (padding positions hold zeros),
 *   else [B, W]; W = 2H for concat, H otherwise.
 *
 * @example
 * const y = bidirectionalLstm(x, { weights: packBidirectionalLstm(forward, backward), mergeMode: 'concat', returnSequences: false, mask: null });
 * // x [100, 32, 64], H = 32 → y [32, 64]
 */
export function bidirectionalLstm(input: tf.Tensor3D, options: BidirectionalLstmOptions): tf.Tensor {
  return bidirectionalLstmOfProjection(projectInput(input, options.weights, options), options);
}

/**
 * {@link bidirectionalLstm} of an input already projected by
 * {@link projectInput} or looked up in a `ProjectionTable`.
 *
 * @param projected [T, B, 8H], time-major.
 */
export function bidirectionalLstmOfProjection(projected: tf.Tensor3D, options: BidirectionalLstmOptions): tf.Tensor {
  const { weights, mergeMode, returnSequences, mask } = options;
  const [steps, batch] = projected.shape;
  const states = recurrence(projected, weights.recurrent, mask, options);
  if (returnSequences) {
    const merged = mergeDirections(states, mergeMode);
    return mask ? tf.mul(merged, tf.tensor3d(mask, [steps, batch, 1])) : merged;
  }
  return mergeDirections(finalStates(states), mergeMode);
}
