import type * as tf from '@tensorflow/tfjs-core';
import { bidirectionalRecurrence, type TimeMask } from './bidirectional-recurrence';
import type { FrozenWeights } from './frozen-weights';

/**
 * Which implementation runs a bidirectional layer's recurrence:
 * - `'kernel'`: the fused WebAssembly SIMD kernel (`shared/kernels/bilstm`),
 *   one call per layer;
 * - `'reference'`: {@link bidirectionalRecurrence}, tfjs-core ops, the
 *   reference the kernel is tested against.
 */
export type RecurrenceEngine = 'kernel' | 'reference';

/** The signature both engines share: see {@link bidirectionalRecurrence}. */
export type Recurrence = (
  projected: tf.Tensor3D,
  recurrent: tf.Tensor2D,
  mask: TimeMask | null,
  options?: FrozenWeights,
) => tf.Tensor3D;

let kernel: Recurrence | undefined;
let preferred: RecurrenceEngine = 'kernel';

/**
 * Makes `op` the `'kernel'` engine. Called by `startBilstmKernel`; until
 * then the model runs on the reference.
 */
export function installRecurrenceKernel(op: Recurrence): void {
  kernel = op;
}

/**
 * Chooses the engine for every recurrence from now on, in this isolate or
 * process. The default is the kernel once it is loaded, else the reference.
 *
 * @throws Error when asked for `'kernel'` before the kernel is loaded: an
 *   explicit request never falls back silently
 *
 * @example
 * await startNodeBilstmKernel();
 * setRecurrenceEngine('reference'); // compare against the core-op path
 * setRecurrenceEngine('kernel');
 */
export function setRecurrenceEngine(engine: RecurrenceEngine): void {
  if (engine === 'kernel' && !kernel) {
    throw new Error("setRecurrenceEngine('kernel'): the kernel is not loaded; call startBilstmKernel() first");
  }
  preferred = engine;
}

/**
 * The engine that runs now.
 *
 * @example
 * recurrenceEngine(); // 'reference' before startNodeBilstmKernel(), 'kernel' after
 */
export function recurrenceEngine(): RecurrenceEngine {
  return preferred === 'kernel' && kernel ? 'kernel' : 'reference';
}

/**
 * One bidirectional layer's recurrence on the chosen engine; same contract
 * as {@link bidirectionalRecurrence}.
 *
 * @example
 * const states = recurrence(projected, recurrent, mask); // [T, B, 2H]
 */
export function recurrence(
  projected: tf.Tensor3D,
  recurrent: tf.Tensor2D,
  mask: TimeMask | null,
  options?: FrozenWeights,
): tf.Tensor3D {
  const run = recurrenceEngine() === 'kernel' ? kernel! : bidirectionalRecurrence;
  return run(projected, recurrent, mask, options);
}
