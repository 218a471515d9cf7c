/**
 * Fetches and compiles the WebAssembly binary at `url`, streaming when it is
 * served as `application/wasm`. For browsers; Node reads its binaries from
 * disk and workerd gets them precompiled. Under a CSP, the page must allow
 * `script-src 'wasm-unsafe-eval'` to compile WebAssembly at all.
 *
 * @param what names the binary in the error, e.g. `'the tfjs wasm backend'`
 * @throws Error naming `what` and the URL when the binary cannot be fetched or compiled
 *
 * @example
 * ```ts
 * const module = await compileWasmUrl(new URL('./bilstm.wasm', import.meta.url), 'the bilstm kernel');
 * ```
 */
export async function compileWasmUrl(url: string | URL, what: string): Promise<WebAssembly.Module> {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    // compileStreaming insists on the MIME type; some static hosts get it wrong.
    const streamable = response.headers.get('content-type')?.split(';')[0].trim() === 'application/wasm';
    return streamable ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  } catch (error) {
    throw new Error(`could not compile ${what} from ${url}: ${(error as Error).message}`, { cause: error });
  }
}
