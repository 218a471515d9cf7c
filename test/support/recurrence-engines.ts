import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../shared/model/config';
import { forward, type ModelInput } from '../../shared/model/forward';
import { parameterSpecs } from '../../shared/model/parameters';
import { recurrence, setRecurrenceEngine, type RecurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { createModelWeights, initialWeights } from '../../shared/model/weights';
import { createRandom, type Random } from '../../shared/random';

/**
 * The fused kernel against the core-op reference on identical inputs, in
 * whatever runtime the caller started (Node or workerd). Errors are
 * `‖ours − reference‖∞` for outputs and `‖ours − reference‖∞ / ‖reference‖∞`
 * for gradients.
 */

export interface RecurrenceCase {
  steps: number;
  batch: number;
  units: number;
  /** Real length of each row, padded with masked steps up to `steps`; none: no mask. */
  lengths?: number[];
}

export interface EngineDifference {
  outputError: number;
  /** d(projected), relative. */
  projectedGradientError: number;
  /** d(recurrent) on its diagonal blocks (the layer's weights), relative. */
  recurrentGradientError: number;
  /** Largest |d(recurrent)| the kernel gives off the diagonal blocks (it leaves them 0). */
  kernelOffDiagonal: number;
  /**
   * Per engine, the largest difference between d(projected) with the
   * weights frozen (their gradient skipped) and d(projected) with them live.
   */
  frozenWeightsDifference: Record<RecurrenceEngine, number>;
}

const uniform = (random: Random, length: number, scale = 1) =>
  Float32Array.from({ length }, () => (random() - 0.5) * scale);

/** Is column `column` of a [2H, 8H] gate-major matrix one that row `row`'s direction feeds? */
function onDiagonal(row: number, column: number, units: number): boolean {
  return row < units === column % (2 * units) < units;
}

function maxAbs(values: Float32Array): number {
  return values.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i])), 0);
}

function relative(ours: Float32Array, reference: Float32Array): number {
  return maxAbsDifference(ours, reference) / Math.max(maxAbs(reference), 1e-7);
}

/** A time-major 0/1 mask from row lengths. */
export function maskFromLengths(lengths: number[], steps: number): Float32Array {
  const mask = new Float32Array(steps * lengths.length);
  lengths.forEach((length, row) => {
    for (let t = 0; t < length; t++) mask[t * lengths.length + row] = 1;
  });
  return mask;
}

/**
 * Runs one engine: its states and the gradients of a loss weighing every
 * state differently, and d(projected) again with the weights frozen.
 */
function runRecurrence(
  engine: RecurrenceEngine,
  projected: tf.Tensor3D,
  recurrent: tf.Tensor2D,
  mask: Float32Array | null,
  lossWeights: tf.Tensor,
) {
  setRecurrenceEngine(engine);
  const [states, dProjected, dRecurrent, dProjectedFrozen] = tf.tidy(() => {
    const loss = (p: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.mul(recurrence(p as tf.Tensor3D, w as tf.Tensor2D, mask), lossWeights));
    const frozenLoss = (p: tf.Tensor) => tf.sum(tf.mul(recurrence(p as tf.Tensor3D, recurrent, mask, { frozenWeights: true }), lossWeights));
    return [recurrence(projected, recurrent, mask), ...tf.grads(loss)([projected, recurrent]), tf.grad(frozenLoss)(projected)];
  });
  return {
    states: readAndDispose(states),
    dProjected: readAndDispose(dProjected),
    dRecurrent: readAndDispose(dRecurrent),
    dProjectedFrozen: readAndDispose(dProjectedFrozen),
  };
}

/** Values out of tfjs. (tf.tidy must not return typed arrays: it walks them element by element.) */
function readAndDispose(tensor: tf.Tensor): Float32Array {
  const values = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return values;
}

/**
 * One layer's recurrence on both engines, from random projections (scaled
 * to ±2, so that gates saturate as trained ones do) and a random
 * block-diagonal recurrent matrix. Leaves the kernel engine selected.
 */
export function compareRecurrenceEngines(testCase: RecurrenceCase, seed: number): EngineDifference {
  const { steps, batch, units, lengths } = testCase;
  const random = createRandom(seed);
  const recurrentValues = uniform(random, 2 * units * 8 * units);
  recurrentValues.forEach((_, i) => {
    if (!onDiagonal(Math.floor(i / (8 * units)), i % (8 * units), units)) recurrentValues[i] = 0;
  });
  const projected = tf.tensor3d(uniform(random, steps * batch * 8 * units, 4), [steps, batch, 8 * units]);
  const recurrent = tf.tensor2d(recurrentValues, [2 * units, 8 * units]);
  const lossWeights = tf.tensor3d(uniform(random, steps * batch * 2 * units), [steps, batch, 2 * units]);
  const mask = lengths ? maskFromLengths(lengths, steps) : null;
  try {
    const reference = runRecurrence('reference', projected, recurrent, mask, lossWeights);
    const kernel = runRecurrence('kernel', projected, recurrent, mask, lossWeights);
    const diagonal = (values: Float32Array) => values.filter((_, i) => onDiagonal(Math.floor(i / (8 * units)), i % (8 * units), units));
    const offDiagonal = kernel.dRecurrent.filter((_, i) => !onDiagonal(Math.floor(i / (8 * units)), i % (8 * units), units));
    return {
      outputError: maxAbsDifference(kernel.states, reference.states),
      projectedGradientError: relative(kernel.dProjected, reference.dProjected),
      recurrentGradientError: relative(diagonal(kernel.dRecurrent), diagonal(reference.dRecurrent)),
      kernelOffDiagonal: maxAbs(offDiagonal),
      frozenWeightsDifference: {
        reference: maxAbsDifference(reference.dProjectedFrozen, reference.dProjected),
        kernel: maxAbsDifference(kernel.dProjectedFrozen, kernel.dProjected),
      },
    };
  } finally {
    tf.dispose([projected, recurrent, lossWeights]);
  }
}

export interface ModelDifference {
  outputError: number;
  /** Largest relative error over every trainable tensor's gradient. */
  gradientError: number;
}

/**
 * The whole model (`forward`, logits) on both engines with the same random
 * weights (every tensor in ±0.5, biases included, so every path carries
 * gradient). Leaves the kernel engine selected.
 */
export function compareModelEngines(config: ModelConfig, input: ModelInput, seed: number): ModelDifference {
  const random = createRandom(seed);
  const values = initialWeights(config, seed).map((t) => ({ ...t, values: t.values.map(() => random() - 0.5) }));
  const weights = createModelWeights(config, values, { trainable: true });
  const variables = parameterSpecs(config).map((spec) => weights[spec.name] as tf.Variable);
  const run = (engine: RecurrenceEngine) => {
    setRecurrenceEngine(engine);
    const [logits, ...grads] = tf.tidy(() => {
      const output = forward(config, weights, input);
      const lossWeights = tf.tensor(uniform(createRandom(seed + 1), output.size), output.shape);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(config, weights, input), lossWeights)), variables);
      return [output, ...variables.map((v) => grads[v.name])];
    });
    return { logits: readAndDispose(logits), grads: grads.map(readAndDispose) };
  };
  try {
    const reference = run('reference');
    const kernel = run('kernel');
    return {
      outputError: maxAbsDifference(kernel.logits, reference.logits),
      gradientError: Math.max(...kernel.grads.map((g, i) => relative(g, reference.grads[i]))),
    };
  } finally {
    tf.dispose(variables);
  }
}
