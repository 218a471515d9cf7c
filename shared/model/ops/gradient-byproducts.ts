import type * as tf from '@tensorflow/tfjs-core';

/**
 * Forms of a gradient dy ([N, U], or [..., U] read as N rows) that the op
 * which produced it computed on the way, for the op that reads it next.
 */
export interface GradientByproducts {
  /** dyᵀ, [U, N]. */
  transposed: tf.Tensor2D;
  /** dy summed over its rows, [U]. */
  rowSums: tf.Tensor1D;
}

/** Keyed by dy's data, which the reshapes between producer and consumer share. */
const offered = new WeakMap<object, GradientByproducts>();

/**
 * Offers byproducts of the gradient `dy` to whichever op reads it next. An
 * offer is only an offer: a reader that finds none computes the same values
 * itself, so producer and reader stay independent.
 *
 * The fused kernel's backward pass writes the gradient of a layer's input
 * projection one row at a time, and the transpose and row sums with it at
 * little cost; `affine` needs exactly those for its weight and bias
 * gradients, and computing them from dy took ~4.5 ms of a ~70 ms training
 * step (two transposes of [3200, 512] and [3200, 256], and two products with
 * a column of ones).
 *
 * The tensors belong to the scope that made them, as dy does; in training,
 * the tape's, which disposes of them when the step's gradients are done.
 *
 * @example
 * offerGradientByproducts(dProjected, { transposed: dProjectedT, rowSums: dBias });
 * gradientByproducts(tf.reshape(dProjected, [-1, 512]))?.rowSums; // dBias
 */
export function offerGradientByproducts(dy: tf.Tensor, byproducts: GradientByproducts): void {
  offered.set(dy.dataId, byproducts);
}

/**
 * What was offered for `dy` (or a reshape of it), if anything, if its tensors
 * are still alive and if they fit dy's shape.
 *
 * @example
 * const dyT = gradientByproducts(dy)?.transposed ?? tf.transpose(dy);
 */
export function gradientByproducts(dy: tf.Tensor): GradientByproducts | undefined {
  const found = offered.get(dy.dataId);
  if (!found || found.transposed.isDisposed || found.rowSums.isDisposed) return undefined;
  const width = dy.shape[dy.rank - 1];
  const fits = found.transposed.shape.join() === `${width},${dy.size / width}` && found.rowSums.shape.join() === `${width}`;
  return fits ? found : undefined;
}
