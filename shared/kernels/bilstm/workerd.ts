import bilstmWasm from './build/bilstm.wasm';
import { startBilstmKernel } from './index';

/**
 * Starts the fused BiLSTM kernel inside workerd, from the binary wrangler
 * bundles as a precompiled module (its `CompiledWasm` rule for `*.wasm`);
 * `npm run build:kernels` must have built it. See `startBilstmKernel`.
 *
 * @example
 * ```ts
 * await startWorkerdBackend();
 * await startWorkerdBilstmKernel();
 * ```
 */
export function startWorkerdBilstmKernel(): Promise<void> {
  return startBilstmKernel(bilstmWasm);
}
