import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { WasmHeap } from '../../backend/wasm-heap';
import { BilstmKernel, type DirectionRunner, type Pass } from './kernel';

const WORKER_SCRIPT = new URL('./direction-worker.mjs', import.meta.url);

/**
 * The words both threads share, read and written with Atomics. The worker
 * gets this layout in its `workerData`, so it is written down once, here.
 *
 * A pass: the kernel's thread writes the pass into the command words and
 * turns `state` from idle to requested; the worker, waiting on `state`,
 * loads the plan the kernel's thread stored and runs direction 1, then sets done (or failed, after posting the
 * error on the failures port) and notifies; the kernel's thread, having run
 * direction 0 meanwhile, waits for that and turns `state` back to idle. The
 * worker sets exited as it exits (process.exit(), an uncaught error); so
 * does the kernel's thread when it terminates the worker, or hears that it
 * exited, so no pass waits forever on a worker that is gone. Only a thread
 * killed outright in the middle of a pass (its heap exhausted, say, though it
 * allocates next to nothing) could leave a pass waiting.
 */
const PROTOCOL = {
  word: { state: 0, kind: 1, masked: 2, planAt: 3 },
  state: { idle: 0, requested: 1, done: 2, failed: 3, exited: 4 },
  kind: { forward: 0, backward: 1 },
} as const;
const { word, state } = PROTOCOL;

/**
 * Waking the helper and hearing back costs 0.08–0.1 ms right after a pass,
 * about what one direction of T·B·H² = 2·10⁵ takes (T = 100, B = 1, H = 45),
 * but 0.3–0.4 ms once it has slept a few tens of milliseconds, as it does
 * between texts that do not come back to back. Measured on the tutorial
 * model, a 100-token text (its H = 64 layer 4·10⁵) ran 1.1–1.2× faster on
 * two threads back to back, yet took 1.13–1.43 ms after other work or a
 * sleep, against 0.91–1.07 ms on one thread. So a pass takes the helper
 * only from 10⁶ on (~0.5 ms a direction): single texts of up to 244 tokens
 * stay on the calling thread, batches of 4 or more at T = 100 do not.
 */
const DEFAULT_MIN_PARALLEL_WORK = 1_000_000;

export interface DirectionHelperOptions {
  /**
   * Passes with less work than this, counted as T·B·H², run both directions
   * on the calling thread, where waking the helper would cost more than it
   * saves. Default 1 000 000.
   */
  minParallelWork?: number;
}

/**
 * Runs direction 1 of each pass on a helper thread (a `worker_threads`
 * Worker with its own instance of bilstm-shared.wasm over the kernel's shared
 * heap: tfjs's, when it runs its threaded build) while the kernel's thread runs direction 0, then waits for it:
 * Node's main thread may block in `Atomics.wait`, and a pass is short enough
 * (milliseconds) that a message round trip would cost a good part of it.
 *
 * Small passes stay on the calling thread (see `minParallelWork`). The
 * worker is unref'd, so it never keeps a process alive. A worker that
 * failed, exited or was terminated makes the next pass it would take part
 * in throw an Error naming why, instead of waiting forever.
 *
 * @example
 * ```ts
 * const heap = wasmHeap(); // after startNodeBackend({ threads: 2 })
 * const helper = await DirectionHelper.start(sharedModule, heap.memory);
 * const instance = await WebAssembly.instantiate(sharedModule, { env: { memory: heap.memory } });
 * const kernel = BilstmKernel.fromInstance(instance, heap, helper);
 * kernel.forward({ steps: 100, batch: 32, units: 64 }, { projected, recurrent, mask: null });
 * await helper.terminate(); // the kernel's next call throws
 * ```
 */
export class DirectionHelper implements DirectionRunner {
  /** Why the worker stopped, once the kernel's thread has heard. */
  private stopReason: string | null = null;

  private constructor(
    /** The shared memory the kernel's instance must work in too. */
    readonly memory: WebAssembly.Memory,
    private readonly worker: Worker,
    private readonly words: Int32Array,
    private readonly failures: MessagePort,
    private readonly minParallelWork: number,
  ) {
    worker.on('error', (error) => {
      this.stopReason ??= `it threw ${error.stack ?? error.message}`;
    });
    worker.on('exit', (code) => {
      this.stopReason ??= `it exited with code ${code}`;
      this.markExited();
    });
  }

  /**
   * Starts the helper thread on `sharedModule` (bilstm-shared.wasm, compiled)
   * over `memory`, and resolves once the thread is ready.
   *
   * @throws TypeError when `memory` is not shared; Error when the thread
   *   cannot start or instantiate the module
   */
  static async start(
    sharedModule: WebAssembly.Module,
    memory: WebAssembly.Memory,
    { minParallelWork = DEFAULT_MIN_PARALLEL_WORK }: DirectionHelperOptions = {},
  ): Promise<DirectionHelper> {
    if (!(memory.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError('bilstm kernel: two threads need a shared heap: start tfjs with threads ≥ 2 (startNodeBackend({ threads: 2 }))');
    }
    const words = new Int32Array(new SharedArrayBuffer(Object.keys(word).length * Int32Array.BYTES_PER_ELEMENT));
    const { port1: failures, port2: workerFailures } = new MessageChannel();
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: { module: sharedModule, memory, control: words.buffer, failures: workerFailures, protocol: PROTOCOL },
      transferList: [workerFailures],
    });
    failures.unref();
    const helper = new DirectionHelper(memory, worker, words, failures, minParallelWork);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => reject(new Error(`bilstm kernel: its helper thread did not start: ${helper.stopReason ?? 'it exited'}`)));
    });
    // Only now: an unref'd worker lets the process exit before it has started, or failed to.
    worker.unref();
    return helper;
  }

  runDirections(pass: Pass, runHere: (direction: 0 | 1) => void): void {
    if (pass.steps * pass.batch * pass.units ** 2 < this.minParallelWork) {
      runHere(0);
      runHere(1);
      return;
    }
    this.request(pass);
    try {
      runHere(0);
    } finally {
      // Even when direction 0 threw: the next pass must not start under a running direction 1.
      this.awaitDirection();
    }
  }

  /** Stops the helper thread; the kernel's passes throw from then on. */
  async terminate(): Promise<void> {
    this.stopReason ??= 'it was terminated';
    this.markExited();
    await this.worker.terminate();
  }

  private request(pass: Pass): void {
    const { words } = this;
    words[word.kind] = PROTOCOL.kind[pass.kind];
    words[word.masked] = pass.masked ? 1 : 0;
    // An address below 4 GiB, read back with >>> 0.
    words[word.planAt] = pass.planAt;
    if (Atomics.compareExchange(words, word.state, state.idle, state.requested) !== state.idle) throw this.stopped();
    Atomics.notify(words, word.state);
  }

  private awaitDirection(): void {
    const { words } = this;
    while (Atomics.wait(words, word.state, state.requested) === 'ok'); // until no longer requested
    const outcome = Atomics.load(words, word.state);
    // Not over an exited set since.
    if (outcome === state.exited || Atomics.compareExchange(words, word.state, outcome, state.idle) !== outcome) {
      throw this.stopped();
    }
    if (outcome === state.failed) {
      const message = receiveMessageOnPort(this.failures)?.message as string | undefined;
      throw new Error(`bilstm kernel: its helper thread failed in direction 1: ${message ?? 'no message'}`);
    }
  }

  private markExited(): void {
    Atomics.store(this.words, word.state, state.exited);
    Atomics.notify(this.words, word.state);
  }

  private stopped(): Error {
    return new Error(`bilstm kernel: its helper thread has stopped (${this.stopReason ?? 'it exited'}); start the kernel again`);
  }
}

/**
 * A kernel that runs the two directions of each pass at once, on the
 * calling thread and a helper thread, from bilstm-shared.wasm compiled, in
 * `heap`, which must be shared (tfjs's threaded build); Node only. Its
 * results are bit for bit those of the one-thread kernel.
 *
 * @example
 * ```ts
 * await startNodeBackend({ threads: 2 });
 * const sharedModule = await WebAssembly.compile(await readFile('shared/kernels/bilstm/build/bilstm-shared.wasm'));
 * const { kernel, helper } = await startTwoThreadBilstmKernel(sharedModule, wasmHeap());
 * const states = kernel.forward({ steps: 100, batch: 32, units: 64 }, { projected, recurrent, mask: null });
 * await helper.terminate(); // when done with the kernel
 * ```
 */
export async function startTwoThreadBilstmKernel(
  sharedModule: WebAssembly.Module,
  heap: WasmHeap,
  options?: DirectionHelperOptions,
): Promise<{ kernel: BilstmKernel; helper: DirectionHelper }> {
  const helper = await DirectionHelper.start(sharedModule, heap.memory, options);
  try {
    const instance = await WebAssembly.instantiate(sharedModule, { env: { memory: heap.memory } });
    return { kernel: BilstmKernel.fromInstance(instance, heap, helper), helper };
  } catch (error) {
    await helper.terminate();
    throw error;
  }
}
