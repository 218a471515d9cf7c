// Run by test/shared/backend.test.ts as `tsx run-backend-cases.ts [threads]`:
// plain Node, where tfjs-core resolves to its CommonJS bundle, unlike under
// vitest. It must end on its own: the test waits for it to exit.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { startNodeBackend } from '../../shared/backend/node';
import { backendCases } from './backend-cases';

const threads = Number(process.argv[2] ?? 1);
// A serving start first, then a training one: tfjs's gradient registry is
// global, so only a fresh process shows what each start registers.
await startNodeBackend({ threads, gradients: false });
const servingStartGradient = tf.getGradient('Square') !== undefined;
await startNodeBackend({ threads });
const trainingStartGradient = tf.getGradient('Square') !== undefined;
const cases = Object.fromEntries(Object.entries(backendCases).map(([name, run]) => [name, run()]));
process.stdout.write(
  JSON.stringify({ backend: tf.getBackend(), threads: getThreadsCount(), servingStartGradient, trainingStartGradient, cases }),
);
