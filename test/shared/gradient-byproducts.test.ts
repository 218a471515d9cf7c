import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { affine } from '../../shared/model/ops/affine';
import { gradientByproducts, offerGradientByproducts } from '../../shared/model/ops/gradient-byproducts';

beforeAll(async () => {
  await startNodeBackend();
});

const dy = () => tf.tensor3d([1, 2, 3, 4, 5, 6], [3, 1, 2]);
const byproductsOf = () => ({ transposed: tf.tensor2d([1, 3, 5, 2, 4, 6], [2, 3]), rowSums: tf.tensor1d([9, 12]) });

/**
 * Passes its input through; its gradient passes dy through and offers dy's
 * byproducts, as the fused kernel does, computed without tfjs kernels.
 */
const offeringOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (upstream: tf.Tensor) => {
    const width = upstream.shape[upstream.rank - 1];
    const count = upstream.size / width;
    const values = upstream.dataSync();
    const transposed = new Float32Array(values.length);
    const rowSums = new Float32Array(width);
    values.forEach((value, i) => {
      transposed[(i % width) * count + Math.floor(i / width)] = value;
      rowSums[i % width] += value;
    });
    const passed = tf.clone(upstream);
    offerGradientByproducts(passed, { transposed: tf.tensor2d(transposed, [width, count]), rowSums: tf.tensor1d(rowSums) });
    return passed;
  },
})) as (x: tf.Tensor) => tf.Tensor;

describe('gradient byproducts', () => {
  it("are found for dy and any reshape of it, and for no other tensor", () => {
    const gradient = dy();
    const offered = byproductsOf();
    offerGradientByproducts(gradient, offered);
    expect(gradientByproducts(gradient)).toBe(offered);
    expect(gradientByproducts(tf.reshape(gradient, [3, 2]))).toBe(offered);
    expect(gradientByproducts(dy())).toBeUndefined();
  });

  it('are not found once disposed of, or when their shapes do not fit dy', () => {
    const gradient = dy();
    const offered = byproductsOf();
    offerGradientByproducts(gradient, offered);
    offered.rowSums.dispose();
    expect(gradientByproducts(gradient)).toBeUndefined();
    const misfit = dy();
    offerGradientByproducts(misfit, { transposed: tf.zeros([3, 2]) as tf.Tensor2D, rowSums: tf.zeros([2]) as tf.Tensor1D });
    expect(gradientByproducts(misfit)).toBeUndefined();
  });

  it('spare affine its transpose of dy and its product with a column of ones, with the same gradients', async () => {
    const x = tf.tensor3d([1, 2, 3, -1, 0, 2], [2, 1, 3]);
    const kernel = tf.tensor2d([1, 0, 0, 1, 2, -1], [3, 2]);
    const bias = tf.tensor1d([0.5, -2]);
    const upstream = tf.tensor3d([1, 2, 3, 4], [2, 1, 2]);
    const gradients = (through: (y: tf.Tensor) => tf.Tensor) =>
      tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => through(affine(a, k as tf.Tensor2D, b as tf.Tensor1D)))([x, kernel, bias], upstream);
    const plain = gradients((y) => y).map((g) => Array.from(g.dataSync()));
    expect(gradients(offeringOp).map((g) => Array.from(g.dataSync()))).toEqual(plain);
    expect(plain).toEqual([[1, 2, 0, 3, 4, 2], [-2, -2, 2, 4, 9, 14], [4, 6]]);
    const profile = await tf.profile(() => gradients(offeringOp));
    const onDy = profile.kernels.filter(
      (k) => (k.name === 'Transpose' && k.inputShapes[0].join() === '2,2') || (k.name === 'BatchMatMul' && k.inputShapes[1].join() === '2,1'),
    );
    expect(onDy).toEqual([]);
    const unoffered = await tf.profile(() => gradients((y) => y));
    expect(unoffered.kernels.filter((k) => k.name === 'Transpose' && k.inputShapes[0].join() === '2,2')).toHaveLength(1);
  });
});
