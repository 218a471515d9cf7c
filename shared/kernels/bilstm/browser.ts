import { compileWasmUrl } from '../../backend/compile-wasm-url';
import { startBilstmKernel } from './index';

export interface StartBrowserBilstmKernelOptions {
  /** Where `bilstm.wasm` (built by `npm run build:kernels`) is served from. */
  wasmUrl: string | URL;
}

/**
 * Starts the fused BiLSTM kernel in a browser: fetches and compiles the
 * binary at `wasmUrl` (see `compileWasmUrl`), then makes it the model's
 * recurrence engine like Node and workerd do (see `startBilstmKernel`).
 * Under a CSP, the page must allow `script-src 'wasm-unsafe-eval'`.
 *
 * @throws Error naming the URL when the binary cannot be fetched or compiled;
 *   TypeError when it is not the bilstm kernel's module
 *
 * @example
 * ```ts
 * await startBrowserBackend({ wasmUrl: new URL('./tfjs-backend-wasm-simd.wasm', import.meta.url) });
 * await startBrowserBilstmKernel({ wasmUrl: new URL('./bilstm.wasm', import.meta.url) });
 * recurrenceEngine(); // 'kernel'
 * ```
 */
export async function startBrowserBilstmKernel(options: StartBrowserBilstmKernelOptions): Promise<void> {
  await startBilstmKernel(await compileWasmUrl(options.wasmUrl, 'the bilstm kernel'));
}
