import { readFile } from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import { startWasmBackend, type StartWasmBackendOptions } from './start-wasm-backend';

const SIMD_WASM = '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';

let hookRegistered = false;
let simdModule: Promise<WebAssembly.Module> | undefined;

/**
 * Starts the tfjs wasm backend (SIMD, one thread) in Node from the binary of
 * the installed `@tensorflow/tfjs-backend-wasm`, with everything training
 * needs; see `startWasmBackend`, whose guarantees hold here too.
 *
 * @throws Error when the backend fails to start or takes longer than
 *   `options.timeoutMs`
 *
 * @example
 * ```ts
 * await startNodeBackend();
 * tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2])); // [2, 4]
 * ```
 */
export async function startNodeBackend(options?: StartWasmBackendOptions): Promise<void> {
  if (!hookRegistered) {
    // Node resolves tfjs-core to its CommonJS bundle, which has no gradients;
    // startWasmBackend imports them from the unbundled ES modules, which Node
    // reads only with this hook. Those modules are a second copy of tfjs-core's
    // code (vitest and workerd load one; see vitest.config.ts), harmless
    // because tfjs keeps the engine and its registries in globals.
    register('./tfjs-core-sources-hook.mjs', import.meta.url);
    hookRegistered = true;
  }
  simdModule ??= compileSimdModule().catch((error: unknown) => {
    simdModule = undefined;
    throw error;
  });
  await startWasmBackend(await simdModule, options);
}

async function compileSimdModule(): Promise<WebAssembly.Module> {
  const path = createRequire(import.meta.url).resolve(SIMD_WASM);
  return WebAssembly.compile(await readFile(path));
}
