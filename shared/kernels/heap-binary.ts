import type { WasmHeap } from '../backend/wasm-heap';

/**
 * The build of a kernel that works in `heap` (see build.ts):
 * `<kernel>-shared.wasm` when tfjs runs its threaded build, whose memory is
 * shared, else `<kernel>.wasm`; a module's imported memory must match in
 * that. For Node, which reads the binaries from disk.
 *
 * @example
 * ```ts
 * await startNodeBackend({ threads: 2 });
 * binaryForHeap(wasmHeap(), 'adam').pathname; // …/shared/kernels/adam/build/adam-shared.wasm
 * ```
 */
export function binaryForHeap(heap: WasmHeap, kernel: 'bilstm' | 'adam'): URL {
  const shared = heap.memory.buffer instanceof SharedArrayBuffer;
  return new URL(`./${kernel}/build/${kernel}${shared ? '-shared' : ''}.wasm`, import.meta.url);
}
