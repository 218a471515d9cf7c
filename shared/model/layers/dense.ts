import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../config';
import { affine } from '../ops/affine';

function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}

/**
 * Keras `Dense`: activation(x · kernel + bias).
 *
 * @example
 * dense(x, kernel, bias, 'relu'); // x [32, 64], kernel [64, 64] → [32, 64]
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  return activate(affine(x, kernel, bias), activation);
}
