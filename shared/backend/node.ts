import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileWasmFile } from './compile-wasm-file';
import { startWasmBackend, type StartWasmBackendOptions, type ThreadedBuild } from './start-wasm-backend';

const require = createRequire(import.meta.url);
const PACKAGE = '@tensorflow/tfjs-backend-wasm';
const SIMD_WASM = `${PACKAGE}/dist/tfjs-backend-wasm-simd.wasm`;
const THREADED_WASM = `${PACKAGE}/dist/tfjs-backend-wasm-threaded-simd.wasm`;
const THREADED_GLUE = `${PACKAGE}/wasm-out/tfjs-backend-wasm-threaded-simd.js`;
const THREADED_WORKER = `${PACKAGE}/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`;
/** The most threads the threaded build's pool has workers for. */
export const MAX_THREADS = 8;

export interface StartNodeBackendOptions extends StartWasmBackendOptions {
  /**
   * XNNPACK's threads for matrix products and the like, the calling thread
   * included. Default 1, the SIMD build every host runs. More starts tfjs's
   * threaded SIMD build, its workers as `worker_threads` (tfjs itself
   * enables threads only in browsers); at most 8. Each start settles the
   * count for the process: later calls keep it.
   */
  threads?: number;
}

let hookRegistered = false;

/**
 * Starts the tfjs wasm backend (SIMD) in Node from the binaries of the
 * installed `@tensorflow/tfjs-backend-wasm`, with everything training
 * needs; see `startWasmBackend`, whose guarantees hold here too.
 *
 * @throws RangeError when `threads` is not an integer in [1, 8]
 * @throws Error when the backend fails to start or takes longer than
 *   `options.timeoutMs`
 *
 * @example
 * ```ts
 * await startNodeBackend({ threads: 2 });
 * tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2])); // [2, 4]
 * ```
 */
export async function startNodeBackend({ threads = 1, ...options }: StartNodeBackendOptions = {}): Promise<void> {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new RangeError(`startNodeBackend: threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
  }
  if (!hookRegistered) {
    // Node resolves tfjs-core to its CommonJS bundle, which has no gradients;
    // startWasmBackend imports them from the unbundled ES modules, which Node
    // reads only with this hook. Those modules are a second copy of tfjs-core's
    // code (vitest and workerd load one; see vitest.config.ts), harmless
    // because tfjs keeps the engine and its registries in globals.
    register('./tfjs-core-sources-hook.mjs', import.meta.url);
    hookRegistered = true;
  }
  if (threads === 1) {
    await startWasmBackend(await compile(SIMD_WASM), options);
    return;
  }
  await startWasmBackend(await compile(THREADED_WASM), options, await threadedBuild(threads));
}

function compile(specifier: string): Promise<WebAssembly.Module> {
  return compileWasmFile(pathToFileURL(require.resolve(specifier)));
}

/**
 * The threaded glue starts each worker from a script file, and the package
 * ships that script only as a string inside a CommonJS module: it is
 * written out to the temp folder once per installed version (and user).
 */
async function threadedBuild(threads: number): Promise<ThreadedBuild> {
  const glue = require.resolve(THREADED_GLUE);
  const { version } = require(`${PACKAGE}/package.json`) as { version: string };
  // Per user too: on a shared machine, another user's copy may not be ours to replace.
  const owner = process.getuid?.() ?? 'user';
  const workerScript = join(tmpdir(), `tfjs-backend-wasm-${version}-pthread-worker-${owner}.cjs`);
  const source = await readFile(require.resolve(THREADED_WORKER), 'utf8');
  // The string's source text, not its value: the template literal would turn
  // the script's own "\n" escapes into line breaks inside its string literals.
  const script = source.slice(source.indexOf('`') + 1, source.lastIndexOf('`'));
  const existing = await readFile(workerScript, 'utf8').catch(() => null);
  if (existing !== script) {
    const partial = `${workerScript}.${process.pid}.tmp`;
    await writeFile(partial, script);
    await rename(partial, workerScript);
  }
  return {
    createModule: require(glue),
    moduleOptions: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? workerScript : prefix + path),
      mainScriptUrlOrBlob: glue,
    },
    threads,
  };
}
