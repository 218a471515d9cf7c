import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { TUTORIAL_MODEL, type MergeMode, type ModelConfig } from '../../shared/model/config';
import { forward, paddedTokens, predict, type ModelInput, type ModelWeights } from '../../shared/model/forward';
import { countParameters, parameterSpecs } from '../../shared/model/parameters';
import { createModelWeights, initialWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';
import { randomWeights } from '../support/random-weights';
import { layersModel } from '../support/tfjs-layers';

/**
 * The reference path against tfjs-layers (an independent implementation of
 * Keras semantics) given identical weights: outputs to 1e-5, gradients to 1e-4.
 */

beforeAll(async () => {
  await startNodeBackend();
});

const VOCABULARY = 40;

function tokenModel(recurrent: { units: number; mergeMode: MergeMode }[], options: Partial<ModelConfig> = {}): ModelConfig {
  return {
    input: { kind: 'tokens', vocabularySize: VOCABULARY, embeddingDim: 6, maskZero: false },
    recurrent,
    dense: [{ units: 5, activation: 'relu' }],
    output: { activation: 'sigmoid', units: 1, perTimestep: false },
    ...options,
  };
}

function randomTokens(batch: number, steps: number, seed: number): Int32Array {
  const random = createRandom(seed);
  // Ids from 1: with masking off, 0 is an ordinary token, but keep the data comparable.
  return Int32Array.from({ length: batch * steps }, () => 1 + Math.floor(random() * (VOCABULARY - 1)));
}

function randomFeatures(batch: number, steps: number, size: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: batch * steps * size }, () => random());
}

const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
const maxAbsDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => maxAbs(tf.sub(a, b)));

/** A loss that weighs every output differently, so every gradient path is exercised. */
function weightedSum(output: tf.Tensor, seed: number): tf.Scalar {
  const random = createRandom(seed);
  const weights = tf.tensor(Float32Array.from({ length: output.size }, () => random() - 0.5), output.shape);
  return tf.sum(tf.mul(output, weights));
}

interface Comparison {
  outputError: number;
  /** max over tensors of ‖g_ours − g_layers‖∞ / ‖g_layers‖∞ */
  gradientError: number;
  gradientCount: number;
}

function compareWithLayers(config: ModelConfig, input: ModelInput, steps: number): Comparison {
  const values = randomWeights(config, 7);
  const weights = createModelWeights(config, values, { trainable: true });
  const reference = layersModel(config, { steps });
  reference.setWeights(values.map((v) => tf.tensor(v.values, v.shape)));
  const referenceInput = 'tokens' in input ? tf.cast(input.tokens, 'float32') : input.features;

  const ours = predict(config, weights, input);
  const theirs = reference.predict(referenceInput) as tf.Tensor;
  const outputError = maxAbsDifference(ours, theirs);

  const ourVariables = parameterSpecs(config).map((spec) => weights[spec.name] as tf.Variable);
  const ourGrads = tf.variableGrads(() => weightedSum(predict(config, weights, input), 3), ourVariables);
  const referenceVariables = reference.trainableWeights.map((w) => w.read() as tf.Variable);
  const referenceGrads = tf.variableGrads(
    () => weightedSum(reference.apply(referenceInput) as tf.Tensor, 3),
    referenceVariables,
  );
  let gradientError = 0;
  parameterSpecs(config).forEach((spec, index) => {
    const mine = ourGrads.grads[ourVariables[index].name];
    const theirsGrad = referenceGrads.grads[referenceVariables[index].name];
    expect(mine.shape).toEqual(theirsGrad.shape);
    gradientError = Math.max(gradientError, maxAbsDifference(mine, theirsGrad) / Math.max(maxAbs(theirsGrad), 1e-7));
  });
  return { outputError, gradientError, gradientCount: ourVariables.length };
}

describe('model core against tfjs-layers (identical weights, masking off)', () => {
  const batch = 3;
  const steps = 7;
  const tokens = () => tf.tensor2d(randomTokens(batch, steps, 11), [batch, steps], 'int32');

  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
    for (const layers of [1, 2]) {
      it(`matches with ${layers} layer(s), merge mode ${mergeMode}`, () => {
        const recurrent = [
          { units: 5, mergeMode },
          { units: 4, mergeMode },
        ].slice(0, layers);
        const result = compareWithLayers(tokenModel(recurrent), { tokens: tokens() }, steps);
        expect(result.outputError).toBeLessThan(1e-5);
        expect(result.gradientError).toBeLessThan(1e-4);
      });
    }
  }

  it('matches a softmax head over 4 classes', () => {
    const config = tokenModel([{ units: 5, mergeMode: 'concat' }], {
      output: { activation: 'softmax', units: 4, perTimestep: false },
    });
    const result = compareWithLayers(config, { tokens: tokens() }, steps);
    expect(result.outputError).toBeLessThan(1e-5);
    expect(result.gradientError).toBeLessThan(1e-4);
  });

  it('matches a per-timestep output (the tutorial cumulative-sum model: features in, a label per step)', () => {
    const config: ModelConfig = {
      input: { kind: 'features', size: 1 },
      recurrent: [{ units: 6, mergeMode: 'concat' }],
      dense: [],
      output: { activation: 'sigmoid', units: 1, perTimestep: true },
    };
    const features = tf.tensor3d(randomFeatures(batch, 10, 1, 5), [batch, 10, 1]);
    const result = compareWithLayers(config, { features }, 10);
    expect(result.outputError).toBeLessThan(1e-5);
    expect(result.gradientError).toBeLessThan(1e-4);
  });

  it('matches per-timestep softmax tagging on tokens through two layers and a dense head', () => {
    const config = tokenModel(
      [
        { units: 5, mergeMode: 'concat' },
        { units: 3, mergeMode: 'ave' },
      ],
      { output: { activation: 'softmax', units: 3, perTimestep: true } },
    );
    const result = compareWithLayers(config, { tokens: tokens() }, steps);
    expect(result.outputError).toBeLessThan(1e-5);
    expect(result.gradientError).toBeLessThan(1e-4);
  });
});

describe('masking (Keras mask_zero)', () => {
  it('pads sequences of any lengths with 0 to the longest, and to one step when none has a token', () => {
    const batch = paddedTokens([Int32Array.of(5, 9, 2), Int32Array.of(7), new Int32Array(0)]);
    expect(batch.dtype).toBe('int32');
    expect(batch.arraySync()).toEqual([
      [5, 9, 2],
      [7, 0, 0],
      [0, 0, 0],
    ]);
    const empty = paddedTokens([new Int32Array(0)]);
    expect(empty.arraySync()).toEqual([[0]]);
    tf.dispose([batch, empty]);
  });

  const lengths = [7, 4, 1];
  const steps = 7;

  function paddedAndAlone(config: ModelConfig) {
    const ids = randomTokens(lengths.length, steps, 23);
    lengths.forEach((length, row) => ids.fill(0, row * steps + length, (row + 1) * steps));
    const padded = tf.tensor2d(ids, [lengths.length, steps], 'int32');
    const alone = lengths.map((length, row) =>
      tf.tensor2d(ids.slice(row * steps, row * steps + length), [1, length], 'int32'),
    );
    return { padded, alone };
  }

  it('a padded batch gives each text the answer it gets alone at its real length', () => {
    const config = tokenModel(
      [
        { units: 5, mergeMode: 'concat' },
        { units: 4, mergeMode: 'concat' },
      ],
      { input: { kind: 'tokens', vocabularySize: VOCABULARY, embeddingDim: 6, maskZero: true } },
    );
    const weights = createModelWeights(config, initialWeights(config, 9));
    const { padded, alone } = paddedAndAlone(config);
    const batchOutput = predict(config, weights, { tokens: padded }).dataSync();
    alone.forEach((tokens, row) => {
      expect(Math.abs(predict(config, weights, { tokens }).dataSync()[0] - batchOutput[row])).toBeLessThan(1e-6);
    });
  });

  it('padding changes nothing in the gradients either', () => {
    const config = tokenModel([{ units: 5, mergeMode: 'sum' }], {
      input: { kind: 'tokens', vocabularySize: VOCABULARY, embeddingDim: 6, maskZero: true },
    });
    const weights = createModelWeights(config, initialWeights(config, 9), { trainable: true });
    const variables = parameterSpecs(config).map((spec) => weights[spec.name] as tf.Variable);
    const { padded, alone } = paddedAndAlone(config);
    const batchGrads = tf.variableGrads(() => tf.sum(predict(config, weights, { tokens: padded })), variables).grads;
    const summed = alone
      .map((tokens) => tf.variableGrads(() => tf.sum(predict(config, weights, { tokens })), variables).grads)
      .reduce((total, grads) => Object.fromEntries(Object.entries(total).map(([k, v]) => [k, tf.add(v, grads[k])])));
    for (const variable of variables) {
      const error = maxAbsDifference(batchGrads[variable.name], summed[variable.name]);
      expect(error / Math.max(maxAbs(summed[variable.name]), 1e-7)).toBeLessThan(1e-4);
    }
  });

  it('per-timestep outputs at real positions do not depend on padding', () => {
    const config = tokenModel([{ units: 5, mergeMode: 'concat' }], {
      input: { kind: 'tokens', vocabularySize: VOCABULARY, embeddingDim: 6, maskZero: true },
      output: { activation: 'softmax', units: 3, perTimestep: true },
    });
    const weights = createModelWeights(config, initialWeights(config, 9));
    const { padded, alone } = paddedAndAlone(config);
    const batchOutput = predict(config, weights, { tokens: padded }) as tf.Tensor3D;
    alone.forEach((tokens, row) => {
      const length = lengths[row];
      const inBatch = tf.slice(batchOutput, [row, 0, 0], [1, length, 3]);
      expect(maxAbsDifference(inBatch, predict(config, weights, { tokens }))).toBeLessThan(1e-6);
    });
  });
});

describe('the tutorial model', () => {
  it('has exactly 751,489 parameters, as tfjs-layers counts them for the same layers', () => {
    expect(countParameters(TUTORIAL_MODEL)).toBe(751_489);
    expect(layersModel(TUTORIAL_MODEL).countParams()).toBe(751_489);
  });

  it('leaks no tensors in a forward pass or a training step', () => {
    const weights: ModelWeights = createModelWeights(TUTORIAL_MODEL, initialWeights(TUTORIAL_MODEL, 1), { trainable: true });
    const ids = randomTokens(4, 20, 3).map((id, i) => (i % 20 > 15 ? 0 : id));
    const optimizer = tf.train.adam(1e-3);
    const step = () =>
      tf.tidy(() => {
        const tokens = tf.tensor2d(ids, [4, 20], 'int32');
        optimizer.minimize(() => tf.mean(tf.sigmoid(forward(TUTORIAL_MODEL, weights, { tokens }))) as tf.Scalar);
      });
    step(); // the optimizer creates its slot variables once
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      predict(TUTORIAL_MODEL, weights, { tokens: tf.tensor2d(ids, [4, 20], 'int32') });
    });
    expect(tf.memory().numTensors).toBe(before);
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
