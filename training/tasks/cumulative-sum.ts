import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../../shared/artifact/named-tensor';
import type { ModelConfig } from '../../shared/model/config';
import { predict } from '../../shared/model/forward';
import { createModelWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';
import type { EncodedData } from '../loop/encoded-data';
import type { PreparedData } from './prepared-data';

/** The tutorial's sequence length; a timestep is 1 once the running sum passes a quarter of it. */
const STEPS = 10;
const LIMIT = STEPS / 4;

function sequences(count: number, random: () => number): EncodedData {
  const inputs = new Float32Array(count * STEPS);
  const labels = new Int32Array(count * STEPS);
  for (let row = 0; row < count; row++) {
    let sum = 0;
    for (let t = 0; t < STEPS; t++) {
      const value = random();
      sum += value;
      inputs[row * STEPS + t] = value;
      labels[row * STEPS + t] = sum > LIMIT ? 1 : 0;
    }
  }
  return { inputs, labels, count, steps: STEPS };
}

/**
 * The tutorial's cumulative-sum task as a data set: the tutorial draws a fresh
 * sequence per step for 1,000 steps; 5,000 seeded training sequences (plus
 * 1,000 each to validate and test) give the same variety, repeatably.
 *
 * @example
 * cumulativeSumData(CUMSUM.model, 1).train.labels.subarray(0, 10);
 * // Int32Array [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]: the sum passed 2.5 at the 6th value
 */
export function cumulativeSumData(model: ModelConfig, seed: number): PreparedData {
  const random = createRandom(seed);
  return {
    model,
    train: sequences(5000, random),
    validation: sequences(1000, random),
    test: sequences(1000, random),
    labels: ['below', 'above'],
    vectorizer: null,
    dataSha256: `cumsum:seed=${seed}`,
  };
}

/** Prints Expected/Predicted per timestep for a few sequences, as the tutorial does. */
export function printCumulativeSumExamples(
  model: ModelConfig,
  tensors: NamedTensor[],
  data: EncodedData,
  log: (line: string) => void,
  count = 3,
): void {
  const weights = createModelWeights(model, tensors);
  const probabilities = tf.tidy(() =>
    predict(model, weights, { features: tf.tensor3d(data.inputs.subarray(0, count * STEPS) as Float32Array, [count, STEPS, 1]) }).dataSync(),
  );
  Object.values(weights).forEach((t) => t.dispose());
  for (let row = 0; row < count; row++) {
    for (let t = 0; t < STEPS; t++) {
      const at = row * STEPS + t;
      log(`Expected: ${data.labels[at]} Predicted ${probabilities[at] > 0.5 ? 1 : 0}`);
    }
    log('');
  }
}
