import { compileWasmUrl } from './compile-wasm-url';
import { startWasmBackend, type StartWasmBackendOptions } from './start-wasm-backend';

export interface StartBrowserBackendOptions extends StartWasmBackendOptions {
  /** Where `tfjs-backend-wasm-simd.wasm` is served from. */
  wasmUrl: string | URL;
}

/**
 * Starts the tfjs wasm backend (SIMD, one thread) in a browser: fetches and
 * compiles the binary at `wasmUrl`, streaming when it is served as
 * `application/wasm`, then starts it like Node and workerd do (see
 * `startWasmBackend`). Under a CSP, the page must allow
 * `script-src 'wasm-unsafe-eval'` to compile WebAssembly at all.
 *
 * @throws Error naming the URL when the binary cannot be fetched or compiled,
 *   or when the backend fails to start
 *
 * @example
 * ```ts
 * await startBrowserBackend({ wasmUrl: new URL('./tfjs-backend-wasm-simd.wasm', import.meta.url) });
 * tf.getBackend(); // 'wasm'
 * ```
 */
export async function startBrowserBackend(options: StartBrowserBackendOptions): Promise<void> {
  const { wasmUrl, ...startOptions } = options;
  await startWasmBackend(await compileWasmUrl(wasmUrl, 'the tfjs wasm backend'), startOptions);
}
