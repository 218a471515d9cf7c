import * as tf from '@tensorflow/tfjs-core';

/**
 * The WebAssembly memory tfjs-backend-wasm keeps its tensors in, and its
 * allocator: a kernel of our own that imports this memory reads and writes
 * tensors where they are, instead of copying them into a memory of its own
 * and back (~35 MB a tutorial training step for the BiLSTM kernel).
 */
export interface WasmHeap {
  /** Shared when tfjs runs its threaded build. */
  readonly memory: WebAssembly.Memory;
  /** The address of `bytes` new bytes, 16-aligned, or 0 when the heap cannot grow that far. */
  malloc(bytes: number): number;
  free(address: number): void;
}

/** What `wasmHeap` needs of tfjs-backend-wasm's backend: emscripten's allocator. */
interface BackendWithAllocator {
  wasm: { _malloc(bytes: number): number; _free(address: number): void };
}

/** The name `startWasmBackend` registers the backend under. */
const BACKEND_NAME = 'wasm';

const memories = new WeakMap<object, WebAssembly.Memory>();

/**
 * Called by `startWasmBackend` once its module is instantiated: the
 * single-threaded build exports its memory, the threaded one imports it.
 */
export function rememberHeapMemory(backend: object, memory: WebAssembly.Memory): void {
  memories.set(backend, memory);
}

/**
 * The heap of the running tfjs wasm backend.
 *
 * @throws Error when the backend was not started by `startWasmBackend`
 *   (through `startNodeBackend`, `startWorkerdBackend` or `startBrowserBackend`)
 *
 * @example
 * ```ts
 * await startNodeBackend();
 * const heap = wasmHeap();
 * const address = heap.malloc(1024); // e.g. 5_247_008
 * heap.free(address);
 * ```
 */
export function wasmHeap(): WasmHeap {
  // The registry itself, not tf.findBackend: that would start a registered backend not yet started
  // (the stock one fetches its binary from the page's folder).
  const backend = tf.engine().registry[BACKEND_NAME];
  const memory = backend && memories.get(backend);
  if (!memory) {
    throw new Error('the tfjs wasm backend has not started: start it first (startNodeBackend, startWorkerdBackend or startBrowserBackend)');
  }
  const { wasm } = backend as unknown as BackendWithAllocator;
  return {
    memory,
    malloc: (bytes) => wasm._malloc(bytes) >>> 0,
    free: (address) => wasm._free(address),
  };
}

/**
 * The address of `values` in `heap` when it is a view of the heap's memory
 * (a tensor's values, see `float32Values`), else 0, which no allocation has.
 *
 * @example
 * ```ts
 * heapAddress(heap, float32Values(tensor)); // e.g. 5_247_024
 * heapAddress(heap, new Float32Array(4)); // 0
 * ```
 */
export function heapAddress(heap: WasmHeap, values: Float32Array | undefined): number {
  return values && values.buffer === heap.memory.buffer ? values.byteOffset : 0;
}
