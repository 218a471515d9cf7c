import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../config';
import { affine } from '../ops/affine';
import type { FrozenWeights } from '../ops/frozen-weights';

/**
 * Keras `Dense`: activation(x · kernel + bias).
 *
 * @example
 * dense(x, kernel, bias, 'relu'); // x [32, 64], kernel [64, 64] → [32, 64]
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: Activation, options: FrozenWeights = {}): tf.Tensor2D {
  // tanh is the one activation tfjs's fused product lacks.
  return activation === 'tanh' ? tf.tanh(affine(x, kernel, bias, 'linear', options)) : affine(x, kernel, bias, activation, options);
}
