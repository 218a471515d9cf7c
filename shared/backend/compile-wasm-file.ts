import { readFile } from 'node:fs/promises';

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Reads and compiles the WebAssembly binary at `file`, once per process: a
 * repeated start resolves at once and should not compile again first. A
 * failure is not kept, so the next call tries again. For Node; browsers
 * fetch theirs (`compileWasmUrl`) and workerd gets them precompiled.
 *
 * @param whenMissing appended to the error when the file cannot be read,
 *   e.g. how to build it
 * @throws Error naming the file when it cannot be read
 *
 * @example
 * ```ts
 * const module = await compileWasmFile(new URL('./build/bilstm.wasm', import.meta.url), 'run `npm run build:kernels` first');
 * ```
 */
export function compileWasmFile(file: URL, whenMissing?: string): Promise<WebAssembly.Module> {
  let module = compiled.get(file.href);
  if (!module) {
    module = readFile(file).then(
      (bytes) => WebAssembly.compile(bytes),
      (error: unknown) => {
        throw new Error(`${file.pathname} cannot be read${whenMissing ? `; ${whenMissing}` : ''}`, { cause: error });
      },
    );
    module.catch(() => compiled.delete(file.href));
    compiled.set(file.href, module);
  }
  return module;
}
