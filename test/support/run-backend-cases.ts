// Run by test/shared/backend.test.ts as `tsx run-backend-cases.ts`: plain Node,
// where tfjs-core resolves to its CommonJS bundle, unlike under vitest.
import * as tf from '@tensorflow/tfjs-core';
import { startNodeBackend } from '../../shared/backend/node';
import { backendCases } from './backend-cases';

await startNodeBackend();
const cases = Object.fromEntries(Object.entries(backendCases).map(([name, run]) => [name, run()]));
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), cases }));
