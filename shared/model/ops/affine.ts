import * as tf from '@tensorflow/tfjs-core';

/**
 * `x · kernel + bias`, with a gradient that stays on the wasm backend's fast
 * paths (NOTES.md), measured on a training step's [3200, 512] gradient:
 * - a transposed matMul leaves XNNPACK's fast path and runs about 10× slower,
 *   so operands are transposed explicitly (one cheap copy) instead;
 * - XNNPACK repacks a matMul's right operand on every call, which costs as
 *   much as the product when that operand is dy, the largest of them: both
 *   weight gradients therefore multiply dyᵀ on the left, dkernel = (dyᵀ·x)ᵀ
 *   and dbias = dyᵀ·1 (13 and 15 ms less per step than xᵀ·dy and 1ᵀ·dy);
 * - tfjs reduces a broadcast bias's gradient with `Sum` over axis 0, which
 *   the backend runs as a transpose then a reduction, ~10 ms; the product
 *   with a column of ones is the same sum, over the transpose already made.
 *
 * @example
 * const y = affine(x, kernel, bias); // [B, D] · [D, U] + [U] → [B, U]; dy flows back at full speed
 */
export function affine(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  // Outside a gradient computation the custom gradient's scope is pure overhead: about a tenth
  // of a short text's whole prediction, which runs four affine layers.
  if (!tf.engine().state.gradientDepth) return product(x, kernel, bias);
  return affineWithGradient(x, kernel, bias);
}

/** x·W + b as one kernel: the wasm backend adds the bias inside the product, with no pass of its own. */
function product(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
}

const affineWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: product(x, kernel, bias),
    gradFunc: (dy: tf.Tensor, [savedX, savedKernel]: tf.Tensor[]) => {
      const [rows, width] = dy.shape as [number, number];
      const dyT = tf.transpose(dy) as tf.Tensor2D;
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(savedKernel) as tf.Tensor2D),
        tf.transpose(tf.matMul(dyT, savedX as tf.Tensor2D)),
        tf.reshape(tf.matMul(dyT, tf.ones([rows, 1]) as tf.Tensor2D), [width]),
      ];
    },
  };
}) as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;
