import { expect, it } from 'vitest';
import { countTfjsCoreLoads } from '../support/tfjs-core-loads';

// Two copies of tfjs-core would still share the engine (tfjs keeps it in a
// global), but not their module state, and would load everything twice. See
// vitest.config.ts for why vitest, left alone, loads three.
it('our code, the wasm backend, its gradients and tfjs-layers load one tfjs-core', async () => {
  const loads = countTfjsCoreLoads();
  const { startNodeBackend } = await import('../../shared/backend/node');
  await startNodeBackend();
  const { tfl } = await import('../support/tfjs-layers');
  const tf = await import('@tensorflow/tfjs-core');

  expect(loads()).toBe(1);
  // tfjs-layers registers its layer classes with its own tfjs-core.
  expect(tf.serialization.SerializationMap.getMap().classNameMap).toHaveProperty('Dense');
  expect(tfl.layers.dense({ units: 1 }).getClassName()).toBe('Dense');
});
