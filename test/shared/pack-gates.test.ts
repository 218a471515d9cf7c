import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { packGates } from '../../shared/model/ops/pack-gates';

beforeAll(async () => {
  await startNodeBackend();
});

// H = 1: each direction's row holds its gates i, f, c, o; values 1–8 forward, 11–18 backward.
const forward = () => tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
const backward = () => tf.tensor2d([11, 12, 13, 14, 15, 16, 17, 18], [2, 4]);

describe('packGates', () => {
  it('interleaves the directions gate by gate: [i_f i_b | f_f f_b | c_f c_b | o_f o_b]', () => {
    const packed = packGates(forward(), backward(), 'interleaved');
    expect(packed.shape).toEqual([2, 8]);
    expect(Array.from(packed.dataSync())).toEqual([1, 11, 2, 12, 3, 13, 4, 14, 5, 15, 6, 16, 7, 17, 8, 18]);
    expect(Array.from(packGates(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([5, 6, 7, 8]), 'interleaved').dataSync())).toEqual([1, 5, 2, 6, 3, 7, 4, 8]);
  });

  it('stacks the directions down the diagonal, zeros in the other direction’s columns', () => {
    const packed = packGates(forward(), backward(), 'blockDiagonal');
    expect(packed.shape).toEqual([4, 8]);
    // prettier-ignore
    expect(Array.from(packed.dataSync())).toEqual([
      1, 0, 2, 0, 3, 0, 4, 0,
      5, 0, 6, 0, 7, 0, 8, 0,
      0, 11, 0, 12, 0, 13, 0, 14,
      0, 15, 0, 16, 0, 17, 0, 18,
    ]);
  });

  it('has the inverse copy for gradient, the off-diagonal blocks flowing nowhere', () => {
    // d/dW Σ packed ⊙ dy: each weight gets the dy entry it was copied to.
    const dy = tf.tensor2d(Array.from({ length: 32 }, (_, i) => i + 1), [4, 8]);
    const [dForward, dBackward] = tf.grads((a: tf.Tensor, b: tf.Tensor) => packGates(a, b, 'blockDiagonal'))([forward(), backward()], dy);
    expect(Array.from(dForward.dataSync())).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    expect(Array.from(dBackward.dataSync())).toEqual([18, 20, 22, 24, 26, 28, 30, 32]);
    const [dA, dB] = tf.grads((a: tf.Tensor, b: tf.Tensor) => packGates(a, b, 'interleaved'))(
      [forward(), backward()],
      tf.tensor2d(Array.from({ length: 16 }, (_, i) => i + 1), [2, 8]),
    );
    expect(Array.from(dA.dataSync())).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    expect(Array.from(dB.dataSync())).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('refuses directions of different shapes, or a last axis that is not four gates', () => {
    expect(() => packGates(forward(), tf.zeros([3, 4]), 'interleaved')).toThrow('packGates: expected two tensors of one shape [..., 4H], got [2,4] and [3,4]');
    expect(() => packGates(tf.zeros([2, 6]), tf.zeros([2, 6]), 'interleaved')).toThrow('[..., 4H]');
  });
});
