import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import { startWasmBackend, type StartWasmBackendOptions } from './start-wasm-backend';

/**
 * Starts the tfjs wasm backend (SIMD, one thread) inside workerd, from the
 * binary that wrangler bundles as a precompiled module (its default
 * `CompiledWasm` rule for `*.wasm` imports), the only form workerd accepts.
 * See `startWasmBackend` for the guarantees.
 *
 * Call it from a request handler, not at the top level: workerd allows
 * timers only while handling a request.
 *
 * @throws Error when the backend fails to start or takes longer than
 *   `options.timeoutMs`
 *
 * @example
 * ```ts
 * app.get('/healthz', async (c) => {
 *   await startWorkerdBackend();
 *   return c.json({ status: 'ok', backend: tf.getBackend() });
 * });
 * ```
 */
export function startWorkerdBackend(options?: StartWasmBackendOptions): Promise<void> {
  return startWasmBackend(simdWasm, options);
}
