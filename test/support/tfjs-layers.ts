// tfjs-layers calls chained ops (`t.flatten()` …) that tfjs-core leaves
// unregistered, so register them first. This and the import below resolve to
// the same tfjs-core as our code does (see vitest.config.ts).
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

/**
 * tfjs-layers, our test-only reference for Keras semantics, running on the
 * same tfjs-core, hence on the same backend and gradients, as our code.
 *
 * @example
 * ```ts
 * await startNodeBackend();
 * const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [3] })] });
 * ```
 */
export * as tfl from '@tensorflow/tfjs-layers';
