/**
 * A pass recorded for its gradient allocates its history in tfjs's heap,
 * which may grow it; growing an unshared memory (one thread, as in workerd)
 * detaches every view of it, the tensors' too. In a process of its own, so
 * that the heap is still small and the test sizes a pass that must grow it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { wasmHeap } from '../../shared/backend/wasm-heap';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { packGates } from '../../shared/model/ops/pack-gates';
import { recurrence, recurrenceEngine } from '../../shared/model/ops/recurrence-engine';

beforeAll(async () => {
  await startNodeBackend();
  await startNodeBilstmKernel();
});

it('records a pass whose history grows the heap, and its states are those of an unrecorded pass', () => {
  expect(recurrenceEngine()).toBe('kernel');
  const heap = wasmHeap();
  const [batch, units] = [16, 8];
  // A projection as large as the heap is now: its history, larger still, cannot fit in what is left.
  const steps = Math.ceil(heap.memory.buffer.byteLength / (batch * 8 * units * 4));
  const projected = tf.randomUniform([steps, batch, 8 * units], -1, 1, 'float32', 1) as tf.Tensor3D;
  const direction = () => tf.randomUniform([units, 4 * units], -0.5, 0.5, 'float32', 2) as tf.Tensor2D;
  const recurrent = packGates(direction(), direction(), 'blockDiagonal');
  const heapBytes = heap.memory.buffer.byteLength;

  const { value: recorded } = tf.valueAndGrad((p: tf.Tensor) => tf.sum(recurrence(p as tf.Tensor3D, recurrent, null)))(projected);
  expect(heap.memory.buffer.byteLength).toBeGreaterThan(heapBytes);
  const unrecorded = tf.sum(recurrence(projected, recurrent, null));
  expect(recorded.dataSync()[0]).toBe(unrecorded.dataSync()[0]);
  tf.dispose([projected, recurrent, recorded, unrecorded]);
});
