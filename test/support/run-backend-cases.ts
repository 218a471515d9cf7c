// Run by test/shared/backend.test.ts as `tsx run-backend-cases.ts [threads]`:
// plain Node, where tfjs-core resolves to its CommonJS bundle, unlike under
// vitest. It must end on its own: the test waits for it to exit.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { startNodeBackend } from '../../shared/backend/node';
import { backendCases } from './backend-cases';

await startNodeBackend({ threads: Number(process.argv[2] ?? 1) });
const cases = Object.fromEntries(Object.entries(backendCases).map(([name, run]) => [name, run()]));
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), threads: getThreadsCount(), cases }));
