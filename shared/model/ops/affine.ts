import * as tf from '@tensorflow/tfjs-core';
import type { FrozenWeights } from './frozen-weights';
import { gradientByproducts } from './gradient-byproducts';

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
 *   with a column of ones is the same sum, over the transpose already made;
 * - when the op that produced dy offers dyᵀ and its row sums (the fused
 *   kernel does, see `offerGradientByproducts`), those are used instead.
 *
 * Works over the last axis, as Keras' `Dense` does: x [..., D] → [..., U].
 * The reshapes to and from rows happen inside the custom gradient, where the
 * tape does not see them: a taped reshape keeps a copy of its whole input
 * for its gradient, which only needs the shape (~1 ms a training step for
 * the two projections' inputs and outputs).
 *
 * `activation` is applied to the result; outside a gradient computation,
 * inside the product itself (tfjs's fused activation: one kernel fewer, a
 * few µs of a short text's prediction).
 *
 * With `options.frozenWeights` the gradient flows to x alone, without the
 * two products of the weights' gradients (see {@link FrozenWeights}).
 *
 * @example
 * const y = affine(x, kernel, bias); // [B, D] · [D, U] + [U] → [B, U]; dy flows back at full speed
 * affine(sequence, kernel, bias).shape; // [100, 32, 64] · [64, 512] → [100, 32, 512]
 * affine(features, kernel, bias, 'relu'); // max(0, features · kernel + bias)
 */
export function affine<T extends tf.Tensor>(
  x: T,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: FusedActivation = 'linear',
  { frozenWeights = false }: FrozenWeights = {},
): T {
  // Outside a gradient computation the custom gradient's scope is pure overhead: about a tenth
  // of a short text's whole prediction, which runs four affine layers.
  if (!tf.engine().state.gradientDepth) return product(x, kernel, bias, activation);
  const y = (frozenWeights ? affineOfFrozenWeights(x, kernel, bias) : affineWithGradient(x, kernel, bias)) as T;
  return ACTIVATIONS[activation](y) as T;
}

/** The activations tfjs's fused product applies itself. */
export type FusedActivation = 'linear' | 'relu' | 'sigmoid';

const ACTIVATIONS: Record<FusedActivation, (y: tf.Tensor) => tf.Tensor> = {
  linear: (y) => y,
  relu: (y) => tf.relu(y),
  sigmoid: (y) => tf.sigmoid(y),
};

/** x [..., D] as the rows [N, D] of a product. */
function rows(x: tf.Tensor): tf.Tensor2D {
  return (x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]])) as tf.Tensor2D;
}

/**
 * x·W + b as one kernel: the wasm backend adds the bias inside the product,
 * with no pass of its own. Run as the kernel itself, on one batch of rows:
 * `tf.fused.matMul` adds a custom gradient and more reshapes around it, which
 * cost a prediction ~6 µs per dense layer at batch 1 and ~30 µs for a
 * 100-token projection, measured in Node and in workerd alike.
 *
 * Outside a gradient computation it calls the backend's kernel function
 * itself, with its operands and result seen in the shapes it wants: the
 * engine's dispatch and the three reshapes around it (~1 µs each) cost a
 * short text more than the products of its two dense layers.
 */
function product<T extends tf.Tensor>(x: T, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: FusedActivation = 'linear'): T {
  const [depth, width] = kernel.shape;
  const outputShape = [...x.shape.slice(0, -1), width];
  const attrs: tf._FusedMatMulAttrs = { transposeA: false, transposeB: false, activation };
  const engine = tf.engine();
  if (engine.state.gradientDepth) {
    const a = tf.reshape(x, [1, -1, depth]);
    const y = engine.runKernel(tf._FusedMatMul, { a, b: tf.reshape(kernel, [1, depth, width]), bias }, { ...attrs }) as tf.Tensor;
    return tf.reshape(y, outputShape) as T;
  }
  const inputs = { a: viewOf(x, [1, x.size / depth, depth]), b: viewOf(kernel, [1, depth, width]), bias };
  const run = tf.getKernel(tf._FusedMatMul, engine.backendName)!.kernelFunc;
  const y = run({ inputs, attrs: { ...attrs }, backend: engine.backend }) as tf.TensorInfo;
  return engine.makeTensorFromTensorInfo({ ...y, shape: outputShape }) as T;
}

/** `tensor`'s data seen as `shape`, for a kernel to read: no tensor of its own, nothing to dispose. */
function viewOf(tensor: tf.Tensor, shape: number[]): tf.TensorInfo {
  return { dataId: tensor.dataId, shape, dtype: tensor.dtype };
}

const affineWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: product(x, kernel, bias),
    gradFunc: (dy: tf.Tensor, [savedX, savedKernel]: tf.Tensor[]) => {
      const dyRows = rows(dy);
      const [count, width] = dyRows.shape;
      const offered = gradientByproducts(dy);
      const dyT = offered?.transposed ?? tf.transpose(dyRows);
      return [
        inputGradient(dyRows, savedKernel as tf.Tensor2D, savedX.shape),
        tf.transpose(tf.matMul(dyT, rows(savedX))),
        offered?.rowSums ?? tf.reshape(tf.matMul(dyT, tf.ones([count, 1]) as tf.Tensor2D), [width]),
      ];
    },
  };
}) as (x: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor;

/** The weights are no input of this op (see {@link FrozenWeights}). */
function affineOfFrozenWeights(x: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor {
  const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // Saved, as an input would be, so that the kernel outlives the scope that made it.
    save([kernel]);
    return {
      value: product(input, kernel, bias),
      gradFunc: (dy: tf.Tensor, [savedKernel]: tf.Tensor[]) => [inputGradient(rows(dy), savedKernel as tf.Tensor2D, input.shape)],
    };
  }) as (x: tf.Tensor) => tf.Tensor;
  return withGradient(x);
}

/** dx = dy · kernelᵀ, in x's shape. */
function inputGradient(dyRows: tf.Tensor2D, kernel: tf.Tensor2D, xShape: number[]): tf.Tensor {
  return tf.reshape(tf.matMul(dyRows, tf.transpose(kernel) as tf.Tensor2D), xShape);
}
