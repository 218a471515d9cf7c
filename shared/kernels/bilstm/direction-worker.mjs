/**
 * The helper thread of a two-thread bilstm kernel, started by
 * `DirectionHelper` (direction-helper.ts, which documents the protocol and
 * sends its layout in `workerData`): its own instance of bilstm-shared.wasm
 * over the kernel's shared heap (tfjs's), running direction 1 of each pass while the
 * kernel's thread runs direction 0.
 *
 * Plain JavaScript: Node 20 runs no TypeScript in a worker unless its parent
 * runs under tsx, and vitest's do not.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, control, failures, protocol } = workerData;
const { word, state, kind } = protocol;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(control);

// Uncaught errors and process.exit() end here too, so a waiting kernel
// thread wakes up instead of waiting forever.
process.on('exit', () => {
  Atomics.store(words, word.state, state.exited);
  Atomics.notify(words, word.state);
});

parentPort.postMessage('ready');

for (;;) {
  const seen = Atomics.load(words, word.state);
  if (seen !== state.requested) {
    Atomics.wait(words, word.state, seen);
    continue;
  }
  try {
    runDirection();
    Atomics.store(words, word.state, state.done);
  } catch (error) {
    // Sent before the state changes, so the kernel's thread finds it at once.
    failures.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
    Atomics.store(words, word.state, state.failed);
  }
  Atomics.notify(words, word.state);
}

/** Loads the plan the kernel's instance stored (this instance's globals are its own), then runs direction 1. */
function runDirection() {
  kernel.loadPlan(words[word.planAt] >>> 0);
  if (words[word.kind] === kind.forward) kernel.forwardDirection(1, words[word.masked]);
  else kernel.backwardDirection(1, words[word.masked]);
}
