import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { finalStates } from '../../shared/model/ops/final-states';

beforeAll(async () => {
  await startNodeBackend();
});

// T = 3, B = 2, H = 2: state value = 100·t + 10·b + column, so each number says where it came from.
const states = () => tf.tensor3d(Array.from({ length: 3 * 2 * 4 }, (_, i) => 100 * Math.floor(i / 8) + 10 * (Math.floor(i / 4) % 2) + (i % 4)), [3, 2, 4]);

describe('finalStates', () => {
  it('takes the forward half at the last timestep and the backward half at the first', () => {
    const final = finalStates(states());
    expect(final.shape).toEqual([2, 4]);
    // row b: forward columns 0, 1 at t = 2; backward columns 2, 3 at t = 0
    expect(Array.from(final.dataSync())).toEqual([200, 201, 2, 3, 210, 211, 12, 13]);
  });

  it('sends each gradient back to the state it came from, zeros everywhere else', () => {
    const dy = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
    const dStates = tf.grad((s: tf.Tensor) => finalStates(s as tf.Tensor3D))(states(), dy);
    expect(dStates.shape).toEqual([3, 2, 4]);
    // prettier-ignore
    expect(Array.from(dStates.dataSync())).toEqual([
      0, 0, 3, 4, /* t 0, b 0 */ 0, 0, 7, 8, /* t 0, b 1 */
      0, 0, 0, 0, 0, 0, 0, 0, /* t 1 */
      1, 2, 0, 0, /* t 2, b 0 */ 5, 6, 0, 0, /* t 2, b 1 */
    ]);
  });

  it('keeps no copy of the whole sequence for its gradient, as sliced states did', async () => {
    const input = states();
    const profile = await tf.profile(() => tf.grad((s: tf.Tensor) => finalStates(s as tf.Tensor3D))(input));
    const copies = profile.kernels.filter((k) => ['Identity', 'Slice', 'PadV2', 'Concat'].includes(k.name));
    expect(copies.map((k) => `${k.name} [${k.inputShapes[0]}]`)).toEqual([]);
  });
});
