import * as tf from '@tensorflow/tfjs-core';

/**
 * `x · kernel + bias`, with a gradient that stays on the wasm backend's fast
 * paths (NOTES.md):
 * - a transposed matMul leaves XNNPACK's fast path and runs about 10× slower,
 *   so the operands are transposed explicitly (one cheap copy) instead;
 * - tfjs reduces a broadcast bias's gradient with `Sum` over axis 0, which
 *   the backend runs as a transpose then a reduction, ~10 ms for one
 *   [3200, 512] gradient of a training step; `ones[1, N] · dy` is the same
 *   sum as one small matMul.
 *
 * @example
 * const y = affine(x, kernel, bias); // [B, D] · [D, U] + [U] → [B, U]; dy flows back at full speed
 */
export function affine(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  // Outside a gradient computation the custom gradient's scope is pure overhead: about a tenth
  // of a short text's whole prediction, which runs four affine layers.
  if (!tf.engine().state.gradientDepth) return tf.add(tf.matMul(x, kernel), bias);
  return affineWithGradient(x, kernel, bias);
}

const affineWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.add(tf.matMul(x, kernel), bias),
    gradFunc: (dy: tf.Tensor, [savedX, savedKernel]: tf.Tensor[]) => {
      const rows = tf.ones([1, dy.shape[0]]) as tf.Tensor2D;
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(savedKernel) as tf.Tensor2D),
        tf.matMul(tf.transpose(savedX) as tf.Tensor2D, dy as tf.Tensor2D),
        tf.reshape(tf.matMul(rows, dy as tf.Tensor2D), [dy.shape[1]!]),
      ];
    },
  };
}) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;
