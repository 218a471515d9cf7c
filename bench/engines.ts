import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../shared/artifact/named-tensor';
import type { ModelConfig } from '../shared/model/config';
import { forward, predict } from '../shared/model/forward';
import { setRecurrenceEngine, type RecurrenceEngine } from '../shared/model/ops/recurrence-engine';
import { parameterSpecs } from '../shared/model/parameters';
import { ServingWeights } from '../shared/model/serving-weights';
import { createModelWeights } from '../shared/model/weights';
import { Adam } from '../training/loop/adam';
import { crossEntropy } from '../training/loop/loss';
import type { layersModel } from '../test/support/tfjs-layers';

export type EngineId = RecurrenceEngine | 'tfjs-layers';

/** A batch of token ids, [B, T] row-major, and a 0/1 label per row. */
export interface Batch {
  ids: Int32Array;
  labels: Int32Array;
  batch: number;
  steps: number;
}

/** One way of running the model; every call waits for its numbers, so timing it times the work. */
export interface BenchEngine {
  id: EngineId;
  /** Probabilities [B], read back. */
  infer(input: Batch): Float32Array;
  /** One Adam step on the batch; resolves to the loss. */
  trainStep(input: Batch): Promise<number>;
}

const LEARNING_RATE = 1e-3;

/**
 * Our model core on one recurrence engine. Inference reads weights that
 * never change; training updates its own copy, as `npm run train` does
 * (variableGrads of the cross-entropy from logits, then its Adam kernel).
 */
export async function coreEngine(id: RecurrenceEngine, config: ModelConfig, values: NamedTensor[]): Promise<BenchEngine> {
  const inferenceWeights = ServingWeights.pack(config, createModelWeights(config, values));
  const trainingWeights = createModelWeights(config, values, { trainable: true });
  const variables = parameterSpecs(config).map((spec) => trainingWeights[spec.name] as tf.Variable);
  const optimizer = await Adam.create(trainingWeights as Record<string, tf.Variable>, { learningRate: LEARNING_RATE });
  const tokens = ({ ids, batch, steps }: Batch) => tf.tensor2d(ids, [batch, steps], 'int32');
  return {
    id,
    infer(input) {
      setRecurrenceEngine(id);
      const probabilities = tf.tidy(() => predict(config, inferenceWeights, { tokens: tokens(input) }));
      const values = probabilities.dataSync() as Float32Array;
      probabilities.dispose();
      return values;
    },
    async trainStep(input) {
      setRecurrenceEngine(id);
      const loss = tf.tidy(() => {
        const labels = tf.tensor1d(input.labels, 'int32');
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(config, forward(config, trainingWeights, { tokens: tokens(input) }), labels),
          variables,
        );
        optimizer.applyGradients(grads);
        return value;
      });
      const [lossValue] = loss.dataSync();
      loss.dispose();
      return lossValue;
    },
  };
}

/**
 * tfjs-layers' own `bidirectional(lstm)` with the same weights, as a
 * tfjs-layers user would run it: `predict`, and `trainOnBatch` after
 * `compile` with Adam and binary cross-entropy.
 */
export function layersEngine(layers: typeof layersModel, config: ModelConfig, values: NamedTensor[]): BenchEngine {
  const build = () => {
    const model = layers(config);
    model.setWeights(values.map((v) => tf.tensor(v.values, v.shape)));
    return model;
  };
  const inferenceModel = build();
  const trainingModel = build();
  trainingModel.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'binaryCrossentropy' });
  const tokens = ({ ids, batch, steps }: Batch) => tf.tensor2d(Float32Array.from(ids), [batch, steps]);
  return {
    id: 'tfjs-layers',
    infer(input) {
      const probabilities = tf.tidy(() => inferenceModel.predict(tokens(input)) as tf.Tensor);
      const values = probabilities.dataSync() as Float32Array;
      probabilities.dispose();
      return values;
    },
    async trainStep(input) {
      const x = tokens(input);
      const y = tf.tensor2d(Float32Array.from(input.labels), [input.batch, 1]);
      try {
        return (await trainingModel.trainOnBatch(x, y)) as number;
      } finally {
        tf.dispose([x, y]);
      }
    },
  };
}
