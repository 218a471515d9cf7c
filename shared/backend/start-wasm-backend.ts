import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import createWasmBackendModule from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js';
import type { BackendWasmModule } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm';
import type { WasmFactoryConfig } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum';
import { rememberHeapMemory } from './wasm-heap';

export interface StartWasmBackendOptions {
  /**
   * How long the backend may take to initialise before the start fails, in
   * milliseconds. Default 10 000; it takes 2 to 7 ms in workerd.
   */
  timeoutMs?: number;
  /**
   * Registers tfjs-core's gradients, which training and explaining by
   * gradient need. Default true; a host that only serves passes false:
   * registering them costs a worker's cold start ~5 ms of its ~13 ms backend
   * start. A later call asking for them, or {@link registerGradients}, still
   * gets them.
   */
  gradients?: boolean;
}

/**
 * tfjs-backend-wasm's threaded SIMD build, as a host that can run its
 * workers provides it (only Node here: see node.ts). The binary passed with
 * it must be `tfjs-backend-wasm-threaded-simd.wasm`.
 */
export interface ThreadedBuild {
  /** The threaded build's emscripten glue, `wasm-out/tfjs-backend-wasm-threaded-simd.js`. */
  createModule: (config: WasmFactoryConfig) => Promise<BackendWasmModule>;
  /** What the glue needs to start its workers: `locateFile` and `mainScriptUrlOrBlob`. */
  moduleOptions: Pick<WasmFactoryConfig, 'locateFile' | 'mainScriptUrlOrBlob'>;
  /** XNNPACK's threads, the calling thread included. */
  threads: number;
}

const BACKEND_NAME = 'wasm';
/** The stock registration's priority, so that tfjs ranks our backend the same. */
const BACKEND_PRIORITY = 2;
const DEFAULT_TIMEOUT_MS = 10_000;
/** The longest delay setTimeout honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** The C functions that `BackendWasm` calls through `module.tfjs` (see addTfjsBindings). */
const ENTRY_POINTS = [
  'init',
  'init_with_threads_count',
  'get_threads_count',
  'register_tensor',
  'dispose_data',
  'dispose',
];

let startup: Promise<void> | undefined;
let gradientsRegistered: Promise<void> | undefined;

/**
 * Makes tfjs run on the wasm backend (SIMD; one thread, or `threaded`'s)
 * built from an already compiled module, and registers what training on it
 * needs beyond tfjs-core: all gradients (unless `options.gradients` is
 * false) and the `UnsortedSegmentSum` kernel.
 *
 * The stock loader compiles the `.wasm` bytes itself, which workerd forbids
 * ("Wasm code generation disallowed by embedder"); taking a
 * `WebAssembly.Module` works the same in Node and in workerd. The caller
 * compiles or imports it: see `startNodeBackend` and `startWorkerdBackend`.
 *
 * Calls while a start is under way share it, later calls resolve at once
 * (whatever module they pass), and a failed start may be retried.
 *
 * @throws TypeError when `wasmModule` is not tfjs-backend-wasm's binary
 * @throws RangeError when `timeoutMs` is not a positive delay
 * @throws Error when the backend fails to initialise or takes longer than
 *   `timeoutMs`. tfjs is then left with no backend selected, never silently
 *   on another one.
 *
 * @example
 * ```ts
 * import wasmModule from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
 *
 * await startWasmBackend(wasmModule, { timeoutMs: 5_000 });
 * tf.getBackend(); // 'wasm'
 * ```
 */
export function startWasmBackend(
  wasmModule: WebAssembly.Module,
  options: StartWasmBackendOptions = {},
  threaded?: ThreadedBuild,
): Promise<void> {
  startup ??= start(wasmModule, options, threaded).catch((error: unknown) => {
    startup = undefined;
    throw error;
  });
  if (options.gradients === false) return startup;
  return Promise.all([startup, registerGradients()]).then(() => {});
}

/**
 * Registers tfjs-core's gradients, once: what a host started with
 * `gradients: false` calls before its first gradient computation.
 *
 * @example
 * ```ts
 * await startWorkerdBackend({ gradients: false }); // serving alone
 * await registerGradients(); // the first request that explains by gradient
 * ```
 */
export function registerGradients(): Promise<void> {
  // tfjs-core's bundles register no gradients; these files are the only
  // source. Imported lazily so that Node can first teach its resolver to read
  // them (see node.ts).
  gradientsRegistered ??= import('@tensorflow/tfjs-core/dist/register_all_gradients.js').then(
    () => {},
    (error: unknown) => {
      gradientsRegistered = undefined;
      throw error;
    },
  );
  return gradientsRegistered;
}

async function start(
  wasmModule: WebAssembly.Module,
  { timeoutMs = DEFAULT_TIMEOUT_MS }: StartWasmBackendOptions,
  threaded: ThreadedBuild | undefined,
): Promise<void> {
  // Whatever is registered as 'wasm' goes first, the stock backend (whose
  // loader workerd cannot run) or a failed attempt, so that a failure below
  // leaves no 'wasm' backend for tfjs to fall back on.
  if (tf.findBackendFactory(BACKEND_NAME) != null) tf.removeBackend(BACKEND_NAME);
  assertTfjsBinary(wasmModule);
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new RangeError(`startWasmBackend: timeoutMs must be in (0, ${MAX_TIMEOUT_MS}], got ${timeoutMs}`);
  }
  if (tf.getKernel(unsortedSegmentSumConfig.kernelName, BACKEND_NAME) == null) {
    tf.registerKernel(unsortedSegmentSumConfig);
  }

  let failure: unknown;
  tf.registerBackend(
    BACKEND_NAME,
    () =>
      createBackend(wasmModule, threaded).catch((error: unknown) => {
        failure = error;
        throw error;
      }),
    BACKEND_PRIORITY,
  );

  try {
    const started = await withTimeout(
      tf.setBackend(BACKEND_NAME),
      timeoutMs,
      `the tfjs wasm backend did not start within ${timeoutMs} ms`,
    );
    if (!started) {
      throw new Error(`the tfjs wasm backend failed to start: ${messageOf(failure)}`, { cause: failure });
    }
    if (tf.getBackend() !== BACKEND_NAME) {
      throw new Error(`tfjs runs on '${tf.getBackend()}' although the wasm backend started`);
    }
  } catch (error) {
    // Unregistering also discards a start still pending, so that it cannot
    // take over later, and leaves tfjs with no backend selected.
    tf.removeBackend(BACKEND_NAME);
    throw error;
  }
}

function assertTfjsBinary(wasmModule: WebAssembly.Module): void {
  if (!(wasmModule instanceof WebAssembly.Module)) {
    throw new TypeError('startWasmBackend: wasmModule must be a WebAssembly.Module');
  }
  const exported = new Set(WebAssembly.Module.exports(wasmModule).map(({ name }) => name));
  const missing = ENTRY_POINTS.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new TypeError(
      `startWasmBackend: wasmModule is not tfjs-backend-wasm's binary: it does not export ${missing.join(', ')}`,
    );
  }
}

/** What the stock factory in `backend_wasm.js` does, minus fetching. */
function createBackend(wasmModule: WebAssembly.Module, threaded: ThreadedBuild | undefined): Promise<BackendWasm> {
  const createModule = threaded?.createModule ?? (createWasmBackendModule as ThreadedBuild['createModule']);
  let memory: WebAssembly.Memory | undefined;
  return new Promise((resolve, reject) => {
    createModule({
      ...threaded?.moduleOptions,
      instantiateWasm(imports: WebAssembly.Imports, receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
        if (threaded) claimCores(imports, threaded.threads);
        WebAssembly.instantiate(wasmModule, imports)
          .then((instance) => {
            memory = heapMemory(imports, instance);
            // The threaded glue hands the module on to its workers.
            receiveInstance(instance, wasmModule);
          })
          .catch(reject);
        return {};
      },
      onAbort: (reason: string) => reject(new Error(`emscripten aborted: ${reason}`)),
    }).then((module) => {
      addTfjsBindings(module as BackendWasmModule & Cwrap);
      setThreadsCount(threaded?.threads ?? -1);
      const backend = new BackendWasm(module);
      if (memory) rememberHeapMemory(backend, memory);
      // XNNPACK's threads, started just now, wait for work for ever: in Node
      // their workers would keep the process from exiting.
      for (const worker of (module as Partial<ThreadedModule>).PThread?.runningWorkers ?? []) worker.unref?.();
      resolve(backend);
    }, reject);
  });
}

/** The single-threaded build exports its memory; the threaded one imports it as `env.memory`. */
function heapMemory(imports: WebAssembly.Imports, instance: WebAssembly.Instance): WebAssembly.Memory | undefined {
  const memory = imports.env?.memory ?? instance.exports.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/**
 * The backend caps XNNPACK's threads at half the logical cores it is told
 * of, a guess at hyper-threading that leaves a 2-core machine with one
 * thread; telling it twice the threads asked for makes the cap the request.
 */
function claimCores(imports: WebAssembly.Imports, threads: number): void {
  imports.env = { ...imports.env, emscripten_num_logical_cores: () => 2 * threads };
}

/** The threaded glue's bookkeeping of its workers, which its typings leave out. */
interface ThreadedModule {
  PThread: { runningWorkers: { unref?: () => void }[] };
}

/** Emscripten's `cwrap`, which the glue exports but its typings leave out. */
interface Cwrap {
  cwrap(name: string, returnType: 'number', argTypes: 'number'[]): (...args: number[]) => number;
  cwrap(name: string, returnType: null, argTypes: 'number'[]): (...args: number[]) => void;
}

/** The C entry points that `BackendWasm` calls through `module.tfjs`. */
function addTfjsBindings(module: BackendWasmModule & Cwrap): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), timeoutMs);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
