import * as tf from '@tensorflow/tfjs-core';

/**
 * `a · b` whose gradient avoids the wasm backend's transposed matMul, which
 * leaves XNNPACK's fast path and runs about 10× slower (NOTES.md). An explicit
 * transpose is one cheap copy; the product then stays on the fast path.
 *
 * @example
 * const y = matMul(x, kernel); // [B, D] · [D, U] → [B, U]; dy flows back at full speed
 */
export const matMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, [savedA, savedB]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(savedB) as tf.Tensor2D),
      tf.matMul(tf.transpose(savedA) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
