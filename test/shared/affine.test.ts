import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { affine } from '../../shared/model/ops/affine';

beforeAll(async () => {
  await startNodeBackend();
});

/** x [2, 3], kernel [3, 2], bias [2]: small enough to write every value by hand. */
const x = () => tf.tensor2d([1, 2, 3, -1, 0, 2], [2, 3]);
const kernel = () => tf.tensor2d([1, 0, 0, 1, 2, -1], [3, 2]);
const bias = () => tf.tensor1d([0.5, -2]);

describe('affine', () => {
  it('computes x · kernel + bias', () => {
    // row 0: [1 + 0 + 6, 0 + 2 − 3] + bias; row 1: [−1 + 0 + 4, 0 + 0 − 2] + bias
    expect(Array.from(affine(x(), kernel(), bias()).dataSync())).toEqual([7.5, -3, 3.5, -4]);
  });

  it('has the closed-form gradients: dx = dy·kernelᵀ, dkernel = xᵀ·dy, dbias = Σ_rows dy', () => {
    const dy = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const [dx, dKernel, dBias] = tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      affine(a as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D),
    )([x(), kernel(), bias()], dy);
    expect(Array.from(dx.dataSync())).toEqual([1, 2, 0, 3, 4, 2]);
    expect(Array.from(dKernel.dataSync())).toEqual([-2, -2, 2, 4, 9, 14]);
    expect(Array.from(dBias.dataSync())).toEqual([4, 6]);
    expect(dBias.shape).toEqual([2]);
  });

  it('applies relu and sigmoid inside the product when no gradient is taken, after it when one is', async () => {
    // x · kernel + bias = [[7.5, −3], [3.5, −4]]
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = { relu: [7.5, 0, 3.5, 0], sigmoid: [7.5, -3, 3.5, -4].map(sigmoid) };
    for (const activation of ['relu', 'sigmoid'] as const) {
      // The backend's product runs as a function, without the engine's dispatch: no kernel of tfjs's
      // runs, not even an activation's, and the one tensor made is the answer.
      const operands = [x(), kernel(), bias()] as const;
      const tensorsBefore = tf.memory().numTensors;
      const profile = await tf.profile(() => {
        affine(...operands, activation).dispose();
      });
      expect(profile.kernels.map((k) => k.name)).toEqual([]);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      Array.from(affine(x(), kernel(), bias(), activation).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[activation][i], 6));
    }
    // relu′ is 1 where the output is positive: dbias = Σ_rows dy over those.
    const dy = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const [dBias] = tf.grads((b: tf.Tensor) => affine(x(), kernel(), b as tf.Tensor1D, 'relu'))([bias()], dy);
    expect(Array.from(dBias.dataSync())).toEqual([4, 0]);
  });

  it('with frozen weights, gives dx = dy·kernelᵀ alone, without computing the weights\' gradients', async () => {
    const dy = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const frozen = (a: tf.Tensor) => affine(a as tf.Tensor2D, kernel(), bias(), 'linear', { frozenWeights: true });
    expect(Array.from(tf.grad(frozen)(x(), dy).dataSync())).toEqual([1, 2, 0, 3, 4, 2]);
    // One product in the backward pass, dy [2, 2] · kernelᵀ [2, 3]; none for dkernel or dbias.
    const profile = await tf.profile(() => tf.grad(frozen)(x(), dy));
    const products = profile.kernels.filter((k) => k.name === 'BatchMatMul').map((k) => k.inputShapes.map((shape) => `[${shape}]`).join('·'));
    expect(products).toEqual(['[2,2]·[2,3]']);
  });

  it('dispatches no Sum for the bias gradient', async () => {
    const profile = await tf.profile(() =>
      tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => affine(a as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D))([x(), kernel(), bias()]),
    );
    expect(profile.kernels.map((k) => k.name)).not.toContain('Sum');
  });

  it('works over the last axis of a sequence [T, B, D], with the same values and gradients as its rows', () => {
    const sequence = () => tf.reshape(x(), [2, 1, 3]) as tf.Tensor3D;
    const y = affine(sequence(), kernel(), bias());
    expect(y.shape).toEqual([2, 1, 2]);
    expect(Array.from(y.dataSync())).toEqual([7.5, -3, 3.5, -4]);
    const dy = tf.tensor3d([1, 2, 3, 4], [2, 1, 2]);
    const [dx, dKernel, dBias] = tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => affine(a, k as tf.Tensor2D, b as tf.Tensor1D))(
      [sequence(), kernel(), bias()],
      dy,
    );
    expect(dx.shape).toEqual([2, 1, 3]);
    expect(Array.from(dx.dataSync())).toEqual([1, 2, 0, 3, 4, 2]);
    expect(Array.from(dKernel.dataSync())).toEqual([-2, -2, 2, 4, 9, 14]);
    expect(Array.from(dBias.dataSync())).toEqual([4, 6]);
  });

  it('keeps one copy of its input for the gradient, not a second one of a reshape', async () => {
    const sequence = tf.zeros([4, 5, 3]);
    const profile = await tf.profile(() =>
      tf.grads((a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => affine(a, k as tf.Tensor2D, b as tf.Tensor1D))([sequence, kernel(), bias()]),
    );
    const inputCopies = profile.kernels.filter((k) => k.name === 'Identity' && tf.util.sizeFromShape(k.inputShapes[0]) === sequence.size);
    expect(inputCopies.map((k) => `[${k.inputShapes[0]}]`)).toEqual(['[4,5,3]']);
  });
});
