import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { TUTORIAL_MODEL, type ModelConfig } from '../../shared/model/config';
import { predict } from '../../shared/model/forward';
import { bidirectionalRecurrence } from '../../shared/model/ops/bidirectional-recurrence';
import { recurrence, setRecurrenceEngine, type RecurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { packRecurrentLayer, ServingWeights } from '../../shared/model/serving-weights';
import { createModelWeights, initialWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';

/**
 * Serving packs each recurrent layer once (ServingWeights) and the kernel
 * reads a recurrent matrix once per value: both must give exactly what the
 * per-call path gives, and never serve stale numbers.
 */

beforeAll(async () => {
  await startNodeBackend();
  await startNodeBilstmKernel();
});

const CONFIG: ModelConfig = {
  ...TUTORIAL_MODEL,
  input: { kind: 'tokens', vocabularySize: 50, embeddingDim: 16, maskZero: true },
  recurrent: [
    { units: 12, mergeMode: 'concat' },
    { units: 8, mergeMode: 'ave' },
  ],
};

/** Three texts of 30, 17 and 4 tokens, padded to 30. */
function paddedBatch(): tf.Tensor2D {
  const random = createRandom(5);
  const ids = new Int32Array(3 * 30);
  [30, 17, 4].forEach((length, row) => {
    for (let t = 0; t < length; t++) ids[row * 30 + t] = 1 + Math.floor(random() * 49);
  });
  return tf.tensor2d(ids, [3, 30], 'int32');
}

describe('ServingWeights', () => {
  for (const engine of ['kernel', 'reference'] as RecurrenceEngine[]) {
    it(`predicts what the unpacked weights predict, on the ${engine} engine`, () => {
      setRecurrenceEngine(engine);
      const values = initialWeights(CONFIG, 3);
      const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, values));
      const unpacked = createModelWeights(CONFIG, values);
      const ours = predict(CONFIG, serving, { tokens: paddedBatch() }).dataSync();
      const perCall = predict(CONFIG, unpacked, { tokens: paddedBatch() }).dataSync();
      expect(ours).toHaveLength(3);
      ours.forEach((p, row) => expect(Math.abs(p - perCall[row])).toBeLessThan(1e-6));
      setRecurrenceEngine('kernel');
    });
  }

  it('dispatches no packing kernels per prediction: exactly those the per-call path packs with', async () => {
    const values = initialWeights(CONFIG, 3);
    const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, values));
    const unpacked = createModelWeights(CONFIG, values);
    const kernelsOf = async (run: () => void) => (await tf.profile(() => tf.tidy(run))).kernels.length;
    const predictionKernels = (weights: ServingWeights | Record<string, tf.Tensor>) =>
      kernelsOf(() => void predict(CONFIG, weights, { tokens: paddedBatch() }));
    const packingKernels = await kernelsOf(() => CONFIG.recurrent.forEach((_, layer) => packRecurrentLayer(unpacked, layer)));
    expect(packingKernels).toBeGreaterThan(0);
    expect((await predictionKernels(unpacked)) - (await predictionKernels(serving))).toBe(packingKernels);
  });

  it('owns its tensors: dispose frees the weights and the packed layers', () => {
    const before = tf.memory().numTensors;
    const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, initialWeights(CONFIG, 3)));
    tf.tidy(() => void predict(CONFIG, serving, { tokens: paddedBatch() }));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    serving.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the kernel reads each recurrent value once', () => {
  const units = 4;
  const random = createRandom(11);
  const blockDiagonal = () =>
    Float32Array.from({ length: 2 * units * 8 * units }, (_, i) => {
      const row = Math.floor(i / (8 * units));
      return row < units === (i % (8 * units)) % (2 * units) < units ? random() - 0.5 : 0;
    });
  const projectedValues = Float32Array.from({ length: 6 * 2 * 8 * units }, () => random() - 0.5);
  const projected = () => tf.tensor3d(projectedValues, [6, 2, 8 * units]);

  it('a variable assigned new values gives the new answer, not the cached one', () => {
    const recurrent = tf.variable(tf.tensor2d(blockDiagonal(), [2 * units, 8 * units]));
    const first = recurrence(projected(), recurrent, null).dataSync();
    const replacement = tf.tensor2d(blockDiagonal(), [2 * units, 8 * units]);
    recurrent.assign(replacement);
    const second = recurrence(projected(), recurrent, null).dataSync();
    const expected = bidirectionalRecurrence(projected(), replacement, null).dataSync();
    expect(Math.max(...second.map((v, i) => Math.abs(v - first[i])))).toBeGreaterThan(1e-3);
    expect(Math.max(...second.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
  });

  it('repeated calls with one tensor give identical states', () => {
    const recurrent = tf.tensor2d(blockDiagonal(), [2 * units, 8 * units]);
    const first = recurrence(projected(), recurrent, null).dataSync();
    expect(recurrence(projected(), recurrent, null).dataSync()).toEqual(first);
  });
});
