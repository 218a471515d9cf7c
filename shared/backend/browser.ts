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
  await startWasmBackend(await compileFrom(String(wasmUrl)), startOptions);
}

async function compileFrom(url: string): Promise<WebAssembly.Module> {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    // compileStreaming insists on the MIME type; some static hosts get it wrong.
    const streamable = response.headers.get('content-type')?.split(';')[0].trim() === 'application/wasm';
    return streamable ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  } catch (error) {
    throw new Error(`could not compile the tfjs wasm backend from ${url}: ${(error as Error).message}`, { cause: error });
  }
}
