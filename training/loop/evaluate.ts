import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../shared/model/config';
import { predict, type ModelWeights } from '../../shared/model/forward';
import { binaryMetrics, multiclassMetrics } from '../report/metrics';
import type { Metrics } from '../report/types';
import { makeBatch, type EncodedData } from './encoded-data';

export interface Evaluation {
  metrics: Metrics;
  /** One row per scored item (a text, or a real timestep): [n] for sigmoid, [n, K] for softmax. */
  probabilities: Float32Array;
  labels: Int32Array;
}

/**
 * Scores a model on a split: loss, accuracy and, for binary outputs, F1 and
 * ROC-AUC, for several classes macro-F1. Per-timestep outputs are scored on
 * real timesteps only.
 *
 * @example
 * evaluate(TUTORIAL_MODEL, weights, validation).metrics;
 * // { kind: 'binary', accuracy: 0.84, precision: 0.85, recall: 0.83, f1: 0.84, rocAuc: 0.92, loss: 0.37 }
 */
export function evaluate(config: ModelConfig, weights: ModelWeights, data: EncodedData, batchSize = 256): Evaluation {
  const units = config.output.activation === 'sigmoid' ? 1 : config.output.units;
  const probabilities: number[] = [];
  const labels: number[] = [];
  for (let start = 0; start < data.count; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
    let lengths: number[] = [];
    // Tensors out of tf.tidy, read after: it walks a returned typed array value by value.
    const [predicted, labelTensor] = tf.tidy(() => {
      const batch = makeBatch(config, data, rows);
      lengths = batch.lengths;
      return [predict(config, weights, batch.input), batch.labels];
    });
    const output = predicted.dataSync();
    const truth = labelTensor.dataSync();
    tf.dispose([predicted, labelTensor]);
    if (!config.output.perTimestep) {
      probabilities.push(...output);
      labels.push(...truth);
      continue;
    }
    const steps = truth.length / rows.length;
    lengths.forEach((length, i) => {
      for (let t = 0; t < length; t++) {
        const at = i * steps + t;
        probabilities.push(...output.subarray(at * units, (at + 1) * units));
        labels.push(truth[at]);
      }
    });
  }
  const probabilityArray = Float32Array.from(probabilities);
  const labelArray = Int32Array.from(labels);
  const metrics =
    config.output.activation === 'sigmoid'
      ? binaryMetrics(probabilityArray, labelArray)
      : multiclassMetrics(probabilityArray, labelArray, units);
  return { metrics, probabilities: probabilityArray, labels: labelArray };
}
