import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { float32Values, tensorFilledBy, tensorToFill } from '../../shared/backend/heap-values';
import { startNodeBackend } from '../../shared/backend/node';
import { wasmHeap } from '../../shared/backend/wasm-heap';

/**
 * Our kernels and ops read and write tensors in tfjs-backend-wasm's heap:
 * the heap as `wasmHeap` exposes it, and tensors filled where they live.
 */

// The backend is process-wide state: the test before the start runs first.
describe('wasmHeap', () => {
  it('says to start the backend first when it has not started, and starts none itself', () => {
    // tfjs-backend-wasm registers its stock backend on import; starting it would fetch its binary
    // from the page's folder in a browser.
    const registered = tf.engine().registryFactory.wasm;
    const stockFactory = vi.spyOn(registered, 'factory');
    expect(() => wasmHeap()).toThrow(
      'the tfjs wasm backend has not started: start it first (startNodeBackend, startWorkerdBackend or startBrowserBackend)',
    );
    expect(stockFactory).not.toHaveBeenCalled();
    stockFactory.mockRestore();
  });

  it("is the memory tfjs keeps its tensors in, and tfjs's allocator", async () => {
    await startNodeBackend();
    const heap = wasmHeap();
    const tensor = tf.tensor1d([1, 2, 3]);
    expect(float32Values(tensor).buffer).toBe(heap.memory.buffer);
    const address = heap.malloc(1000);
    expect(address).toBeGreaterThan(0);
    expect(address % 16).toBe(0);
    new Float32Array(heap.memory.buffer, address, 250).fill(7);
    expect(float32Values(tensor)).toEqual(Float32Array.of(1, 2, 3)); // its own bytes, not the tensor's
    heap.free(address);
    tensor.dispose();
  });
});

describe('tensorFilledBy', () => {
  it("on the wasm backend, hands fill the tensor's own memory", async () => {
    await startNodeBackend();
    let filled: Float32Array | undefined;
    const tensor = tensorFilledBy([2, 3], (values) => {
      filled = values;
      values.set([1, 2, 3, 4, 5, 6]);
    });
    expect(filled!.byteOffset).toBe(float32Values(tensor).byteOffset);
    expect(tensor.shape).toEqual([2, 3]);
    expect(tensor.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    tensor.dispose();
  });

  it('elsewhere, fills an array the tensor takes; tensorToFill itself refuses', async () => {
    await startNodeBackend();
    await tf.setBackend('cpu');
    try {
      const tensor = tensorFilledBy([3], (values) => values.set([0.5, -1, 2]));
      expect(Array.from(tensor.dataSync())).toEqual([0.5, -1, 2]);
      expect(() => tensorToFill([3])).toThrow("tensorToFill: tfjs runs on 'cpu', not on the wasm backend");
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
