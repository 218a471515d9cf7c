import { wasmHeap } from '../../backend/wasm-heap';
import { installRecurrenceKernel } from '../../model/ops/recurrence-engine';
import { BilstmKernel } from './kernel';
import { kernelRecurrence } from './op';

export { BilstmKernel } from './kernel';
export { kernelRecurrence } from './op';

let startup: Promise<void> | undefined;

/**
 * Instantiates the fused BiLSTM kernel from its compiled module, in the heap
 * of the running tfjs wasm backend (start that first), and makes it the
 * model's recurrence engine (see `setRecurrenceEngine`). The caller
 * compiles or imports the module: see `startNodeBilstmKernel`,
 * `startWorkerdBilstmKernel` and `startBrowserBilstmKernel`.
 *
 * Calls while a start is under way share it, later calls resolve at once,
 * and a failed start may be retried (see `installBilstmKernel`).
 *
 * @throws TypeError when `wasmModule` is not the bilstm kernel's module;
 *   Error when the tfjs wasm backend has not started
 *
 * @example
 * ```ts
 * import bilstmWasm from './build/bilstm.wasm';
 *
 * await startWorkerdBackend();
 * await startBilstmKernel(bilstmWasm);
 * recurrenceEngine(); // 'kernel'
 * ```
 */
export function startBilstmKernel(wasmModule: WebAssembly.Module): Promise<void> {
  return installBilstmKernel(async () => {
    if (!(wasmModule instanceof WebAssembly.Module)) {
      throw new TypeError('startBilstmKernel: wasmModule must be a WebAssembly.Module');
    }
    const heap = wasmHeap();
    // The kernel imports nothing else: no runtime, no abort handler.
    return BilstmKernel.fromInstance(await WebAssembly.instantiate(wasmModule, { env: { memory: heap.memory } }), heap);
  });
}

/**
 * Makes the kernel `create` resolves to the model's recurrence engine, once
 * per process: calls while a start is under way share it, later calls
 * resolve at once without calling `create`, and a failed start may be
 * retried. For starters that make their kernel themselves, as
 * `startNodeBilstmKernel({ threads: 2 })` does.
 *
 * @example
 * ```ts
 * await installBilstmKernel(async () => (await startTwoThreadBilstmKernel(sharedModule, wasmHeap())).kernel);
 * ```
 */
export function installBilstmKernel(create: () => Promise<BilstmKernel>): Promise<void> {
  startup ??= create()
    .then((kernel) => installRecurrenceKernel(kernelRecurrence(kernel)))
    .catch((error: unknown) => {
      startup = undefined;
      throw error;
    });
  return startup;
}
