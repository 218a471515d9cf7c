/**
 * Gradient × input (`gradientTimesInput`) against tfjs-layers given identical
 * weights: ∂p/∂e_t · e_t by autodiff through tfjs-layers' own LSTMs, from the
 * embedded tokens, on both recurrence engines.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { gradientTimesInput } from '../../shared/model/attribution';
import type { ModelConfig } from '../../shared/model/config';
import { setRecurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { EMBEDDING, denseParameterNames } from '../../shared/model/parameters';
import { ServingWeights } from '../../shared/model/serving-weights';
import { createModelWeights } from '../../shared/model/weights';
import { randomWeights } from '../support/random-weights';
import { layersModel } from '../support/tfjs-layers';

beforeAll(async () => {
  await startNodeBackend();
  await startNodeBilstmKernel();
});

afterAll(() => setRecurrenceEngine('kernel'));

const IDS = Int32Array.of(3, 17, 5, 22, 9, 31, 12, 8, 17);

function model(output: ModelConfig['output']): ModelConfig {
  return {
    input: { kind: 'tokens', vocabularySize: 40, embeddingDim: 6, maskZero: true },
    recurrent: [
      { units: 5, mergeMode: 'concat' },
      { units: 4, mergeMode: 'concat' },
    ],
    dense: [{ units: 5, activation: 'relu' }],
    output,
  };
}

/** Random weights, with the output's bias set to `outputBias` to steer which label wins. */
function weightsFor(config: ModelConfig, outputBias: number) {
  const biasName = denseParameterNames('output').bias;
  return randomWeights(config, 7).map((t) => (t.name === biasName ? { ...t, values: t.values.map((_, k) => (k === 0 ? outputBias : 0)) } : t));
}

/** tfjs-layers' probabilities and its ∂p_label/∂e_t · e_t for `IDS`. */
function layersAttribution(config: ModelConfig, values: ReturnType<typeof weightsFor>, label: number) {
  return tf.tidy(() => {
    const reference = layersModel(config, { embedded: true });
    reference.setWeights(values.filter((v) => v.name !== EMBEDDING).map((v) => tf.tensor(v.values, v.shape)));
    const embedding = values.find((v) => v.name === EMBEDDING)!;
    const embedded = tf.gather(tf.tensor(embedding.values, embedding.shape), tf.tensor1d(IDS, 'int32')).expandDims(0);
    const probability = (x: tf.Tensor) => {
      const output = reference.apply(x) as tf.Tensor2D;
      if (config.output.activation === 'softmax') return tf.slice(output, [0, label], [1, 1]);
      return label === 1 ? output : tf.sub(1, output);
    };
    const gradient = tf.grad(probability)(embedded);
    return {
      probabilities: (reference.apply(embedded) as tf.Tensor).dataSync() as Float32Array,
      contributions: tf.sum(tf.mul(gradient, embedded), [0, 2]).dataSync() as Float32Array,
    };
  });
}

const maxAbs = (values: ArrayLike<number>) => Math.max(...Array.from(values, Math.abs));
const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe.each(['kernel', 'reference'] as const)('gradient × input on the %s engine, against tfjs-layers', (engine) => {
  const cases = [
    { name: 'a sigmoid output, the positive label winning', output: { activation: 'sigmoid', units: 1, perTimestep: false }, bias: 1, label: 1 },
    { name: 'a sigmoid output, the negative label winning', output: { activation: 'sigmoid', units: 1, perTimestep: false }, bias: -1, label: 0 },
    { name: 'a softmax output over 3 labels', output: { activation: 'softmax', units: 3, perTimestep: false }, bias: 1, label: 0 },
  ] as const;

  for (const { name, output, bias, label } of cases) {
    it(`explains the winning label of ${name}: probabilities to 1e-5, contributions to 1e-4 of the largest`, () => {
      setRecurrenceEngine(engine);
      const config = model(output);
      const values = weightsFor(config, bias);
      const serving = ServingWeights.pack(config, createModelWeights(config, values));
      const before = tf.memory().numTensors;
      const [ours] = gradientTimesInput(config, serving, [IDS]);
      expect(tf.memory().numTensors).toBe(before);
      serving.dispose();

      const theirs = layersAttribution(config, values, label);
      expect(ours.label).toBe(label);
      expect(maxAbsDifference(ours.probabilities, theirs.probabilities)).toBeLessThan(1e-5);
      expect(ours.contributions).toHaveLength(IDS.length);
      expect(maxAbs(theirs.contributions)).toBeGreaterThan(1e-5); // a hundred times float32 rounding of O(1) values: not a comparison of noise
      expect(maxAbsDifference(ours.contributions, theirs.contributions) / maxAbs(theirs.contributions)).toBeLessThan(1e-4);
    });
  }
});

it('gives each text of a batch what it gets alone: padding and the other texts change nothing', () => {
  const config = model({ activation: 'softmax', units: 3, perTimestep: false });
  // With this bias, labels 0 and 1 each win for some of these texts (their logits 1e-4 to 3e-2 apart).
  const serving = ServingWeights.pack(config, createModelWeights(config, weightsFor(config, 0.003)));
  const texts = [IDS, IDS.subarray(0, 3), new Int32Array(0), Int32Array.of(30, 2, 2, 7, 39, 1)];
  const batch = gradientTimesInput(config, serving, texts);
  expect(batch).toHaveLength(texts.length);
  texts.forEach((ids, row) => {
    const [alone] = gradientTimesInput(config, serving, [ids]);
    expect(batch[row].label).toBe(alone.label);
    expect(batch[row].contributions).toHaveLength(ids.length);
    expect(maxAbsDifference(batch[row].probabilities, alone.probabilities)).toBeLessThan(1e-6);
    if (ids.length > 0) expect(maxAbsDifference(batch[row].contributions, alone.contributions)).toBeLessThan(1e-6);
  });
  // Not all one label, or the row-by-row choice of what to explain would go untested.
  expect(new Set(batch.map((b) => b.label)).size).toBeGreaterThan(1);
  serving.dispose();
});

it('refuses a model that reads features, which has no tokens to credit', () => {
  const config: ModelConfig = { ...model({ activation: 'sigmoid', units: 1, perTimestep: false }), input: { kind: 'features', size: 3 } };
  const serving = ServingWeights.pack(config, createModelWeights(config, randomWeights(config, 1)));
  expect(() => gradientTimesInput(config, serving, [IDS])).toThrow('gradientTimesInput: the model must read token ids');
  serving.dispose();
});
