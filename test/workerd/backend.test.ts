import { expect, it } from 'vitest';
import { countTfjsCoreLoads } from '../support/tfjs-core-loads';

// Counting needs tfjs loaded after the counter, hence the dynamic imports.
const loads = countTfjsCoreLoads();
const tf = await import('@tensorflow/tfjs-core');
const { startWorkerdBackend } = await import('../../shared/backend/workerd');
const { backendCases } = await import('../support/backend-cases');

it('starts the wasm backend from the bundled module, with one tfjs-core', async () => {
  await startWorkerdBackend();
  expect(tf.getBackend()).toBe('wasm');
  expect(loads()).toBe(1);
});

it.each(Object.keys(backendCases))('computes %s like the closed form', async (name) => {
  await startWorkerdBackend();
  const { actual, expected } = backendCases[name]();
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
});
