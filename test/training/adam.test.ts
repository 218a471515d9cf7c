import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { createRandom } from '../../shared/random';
import { Adam } from '../../training/loop/adam';

beforeAll(async () => {
  await startNodeBackend();
});

const SHAPES: Record<string, number[]> = { kernel: [3, 4], bias: [4] };

/** Seeded gradients for step `step`, one per variable name. */
function gradientsAt(step: number): Record<string, Float32Array> {
  const random = createRandom(1000 + step);
  return Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape]) => [name, Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => random() * 2 - 1)]),
  );
}

function freshVariables(values?: Record<string, Float32Array>): Record<string, tf.Variable> {
  const random = createRandom(5);
  return Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape]) => {
      const initial = values?.[name] ?? Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => random() - 0.5);
      return [name, tf.variable(tf.tensor(initial, shape))];
    }),
  );
}

function step(adam: Adam, at: number): void {
  tf.tidy(() => {
    const gradients = gradientsAt(at);
    adam.applyGradients(Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [name, tf.tensor(gradients[name], shape)])));
  });
}

const read = (variables: Record<string, tf.Variable>) =>
  Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.dataSync() as Float32Array]));

describe('Adam', () => {
  it('updates weights as tf.train.adam does', () => {
    const ours = freshVariables();
    const reference = freshVariables();
    const adam = new Adam(ours, { learningRate: 0.01 });
    const tfjsAdam = tf.train.adam(0.01);
    for (let at = 0; at < 25; at++) {
      step(adam, at);
      tf.tidy(() => {
        const gradients = gradientsAt(at);
        tfjsAdam.applyGradients(
          Object.entries(SHAPES).map(([name, shape]) => ({ name: reference[name].name, tensor: tf.tensor(gradients[name], shape) })),
        );
      });
    }
    const [got, expected] = [read(ours), read(reference)];
    const initial = read(freshVariables());
    for (const name of Object.keys(SHAPES)) {
      // tfjs keeps βᵗ as a float32 running product, we compute it from t in float64: ~1e-6 apart after 25 steps.
      expect(Math.max(...got[name].map((value, i) => Math.abs(value - expected[name][i])))).toBeLessThan(1e-5);
      // 25 steps of 0.01 moved every weight by far more than the tolerance.
      expect(Math.min(...got[name].map((value, i) => Math.abs(value - initial[name][i])))).toBeGreaterThan(1e-3);
    }
    adam.dispose();
    tfjsAdam.dispose();
  });

  it('continues from a saved state to exactly the weights of an uninterrupted run', async () => {
    const straight = freshVariables();
    const straightAdam = new Adam(straight, { learningRate: 0.01 });
    for (let at = 0; at < 30; at++) step(straightAdam, at);

    const first = freshVariables();
    const firstAdam = new Adam(first, { learningRate: 0.01 });
    for (let at = 0; at < 13; at++) step(firstAdam, at);
    const saved = await firstAdam.state();
    const resumed = freshVariables(read(first));
    const resumedAdam = new Adam(resumed, { learningRate: 0.01 });
    resumedAdam.restore(saved);
    for (let at = 13; at < 30; at++) step(resumedAdam, at);

    expect(read(resumed)).toEqual(read(straight));
    expect(saved.find((t) => t.name === 'step')!.values[0]).toBe(13);
  });

  it('rejects a state that does not fit, changing nothing', async () => {
    const variables = freshVariables();
    const adam = new Adam(variables, { learningRate: 0.01 });
    step(adam, 0);
    const before = await adam.state();
    const other = new Adam(freshVariables(), { learningRate: 0.01 });
    step(other, 1);
    const partial = (await other.state()).filter((t) => t.name !== 'bias/v');
    expect(() => adam.restore(partial)).toThrow('the optimizer state has no tensor "bias/v" of shape [4]');
    expect(await adam.state()).toEqual(before);
  });
});
