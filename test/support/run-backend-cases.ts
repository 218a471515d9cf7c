// Run by test/shared/backend.test.ts as `tsx run-backend-cases.ts [threads]`:
// plain Node, where tfjs-core resolves to its CommonJS bundle, unlike under
// vitest. It must end on its own: the test waits for it to exit.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { startNodeBackend } from '../../shared/backend/node';
import { gradientTimesInput } from '../../shared/model/attribution';
import type { ModelConfig } from '../../shared/model/config';
import { ServingWeights } from '../../shared/model/serving-weights';
import { createModelWeights, initialWeights } from '../../shared/model/weights';
import { backendCases } from './backend-cases';

/** What explaining a text by gradient says: null when it works. */
function explainByGradientError(): string | null {
  const config: ModelConfig = {
    input: { kind: 'tokens', vocabularySize: 5, embeddingDim: 2, maskZero: true },
    recurrent: [{ units: 2, mergeMode: 'concat' }],
    dense: [{ units: 2, activation: 'relu' }],
    output: { activation: 'sigmoid', units: 1, perTimestep: false },
  };
  const serving = ServingWeights.pack(config, createModelWeights(config, initialWeights(config, 1)));
  try {
    gradientTimesInput(config, serving, [Int32Array.of(1, 2, 3)]);
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    serving.dispose();
  }
}

const threads = Number(process.argv[2] ?? 1);
// A serving start first, then a training one: tfjs's gradient registry is
// global, so only a fresh process shows what each start registers.
await startNodeBackend({ threads, gradients: false });
const servingStartGradient = tf.getGradient('Square') !== undefined;
const servingStartExplainError = explainByGradientError();
await startNodeBackend({ threads });
const trainingStartGradient = tf.getGradient('Square') !== undefined;
const trainingStartExplainError = explainByGradientError();
const cases = Object.fromEntries(Object.entries(backendCases).map(([name, run]) => [name, run()]));
process.stdout.write(
  JSON.stringify({
    backend: tf.getBackend(),
    threads: getThreadsCount(),
    servingStartGradient,
    servingStartExplainError,
    trainingStartGradient,
    trainingStartExplainError,
    cases,
  }),
);
