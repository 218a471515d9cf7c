import { compileWasmFile } from '../../backend/compile-wasm-file';
import { wasmHeap } from '../../backend/wasm-heap';
import { binaryForHeap } from '../heap-binary';
import { startTwoThreadBilstmKernel } from './direction-helper';
import { installBilstmKernel, startBilstmKernel } from './index';


export interface StartNodeBilstmKernelOptions {
  /**
   * Threads a layer's recurrence runs on. 1 (the default): both directions
   * on the calling thread, one after the other. 2: direction 1 on a helper
   * thread (`worker_threads`, sharing tfjs's heap, so tfjs must run its
   * threaded build: `startNodeBackend({ threads: 2 })`) while the calling
   * thread runs direction 0; same results, bit for bit. A layer has only two
   * directions, so more than 2 is taken as 2.
   *
   * The first start in a process settles it: the kernel is installed once,
   * and later starts resolve to that kernel whatever their `threads`.
   */
  threads?: number;
}

/**
 * Starts the fused BiLSTM kernel in Node, in tfjs's heap, compiled from
 * the binaries that `npm run build:kernels` writes: the one whose memory is
 * shared when tfjs runs its threaded build. See `startBilstmKernel`.
 *
 * @throws RangeError when `threads` is not an integer ≥ 1; TypeError when
 *   `threads` is 2 but tfjs runs on one thread; Error when the backend has
 *   not started, a binary is missing (run `npm run build:kernels`) or the
 *   helper thread cannot start
 *
 * @example
 * ```ts
 * await startNodeBackend();
 * await startNodeBilstmKernel({ threads: 2 });
 * ```
 */
export async function startNodeBilstmKernel(options: StartNodeBilstmKernelOptions = {}): Promise<void> {
  const { threads = 1 } = options;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`startNodeBilstmKernel: threads must be an integer ≥ 1, got ${threads}`);
  }
  const heap = wasmHeap();
  const binary = await compileWasmFile(binaryForHeap(heap, 'bilstm'), 'run `npm run build:kernels` first');
  if (threads === 1) {
    await startBilstmKernel(binary);
    return;
  }
  await installBilstmKernel(async () => (await startTwoThreadBilstmKernel(binary, heap)).kernel);
}
