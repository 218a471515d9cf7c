import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../shared/model/config';
import type { ModelInput } from '../../shared/model/forward';

/**
 * A split ready for the model: row-major inputs and class ids. Token inputs
 * are [N, T] ids (0 = padding); feature inputs are [N, T, F] values.
 * Labels are [N], or [N, T] for per-timestep outputs.
 */
export interface EncodedData {
  inputs: Int32Array | Float32Array;
  labels: Int32Array;
  count: number;
  steps: number;
}

export interface Batch {
  input: ModelInput;
  labels: tf.Tensor;
  /** Per-timestep outputs: 1 for real timesteps, 0 for padding (none for feature input). */
  weights?: tf.Tensor;
  /** Real timesteps per row, to score per-timestep outputs on real positions only. */
  lengths: number[];
}

/**
 * Number of real tokens in a row of ids: padding only ever follows them.
 *
 * @example
 * realLength(Int32Array.of(7, 3, 0, 0, 5, 9, 0), 0, 4); // 2: row 0 is [7, 3, 0, 0]
 */
export function realLength(ids: Int32Array | Float32Array, offset: number, steps: number): number {
  let length = steps;
  while (length > 0 && ids[offset + length - 1] === 0) length--;
  return length;
}

/**
 * Tensors for the given rows. With masking, a batch is cut to its longest
 * real row: padding past it is masked anyway, so this is exact and spares the
 * recurrence the work.
 *
 * @example
 * const { input, labels } = makeBatch(TUTORIAL_MODEL, train, [4, 17, 9]); // tokens [3, ≤100]
 */
export function makeBatch(config: ModelConfig, data: EncodedData, rows: readonly number[]): Batch {
  const width = data.inputs.length / (data.count * data.steps);
  const tokens = config.input.kind === 'tokens';
  const lengths = rows.map((row) => (tokens ? realLength(data.inputs, row * data.steps, data.steps) : data.steps));
  const masked = tokens && config.input.kind === 'tokens' && config.input.maskZero;
  const steps = masked ? Math.max(1, ...lengths) : data.steps;
  const perTimestep = config.output.perTimestep;
  const inputs = tokens ? new Int32Array(rows.length * steps) : new Float32Array(rows.length * steps * width);
  const labels = new Int32Array(perTimestep ? rows.length * steps : rows.length);
  rows.forEach((row, i) => {
    inputs.set(data.inputs.subarray(row * data.steps * width, (row * data.steps + steps) * width), i * steps * width);
    if (perTimestep) labels.set(data.labels.subarray(row * data.steps, row * data.steps + steps), i * steps);
    else labels[i] = data.labels[row];
  });
  const input: ModelInput = tokens
    ? { tokens: tf.tensor2d(inputs as Int32Array, [rows.length, steps], 'int32') }
    : { features: tf.tensor3d(inputs as Float32Array, [rows.length, steps, width]) };
  const batch: Batch = {
    input,
    labels: tf.tensor(labels, perTimestep ? [rows.length, steps] : [rows.length], 'int32'),
    lengths: lengths.map((length) => Math.min(length, steps)),
  };
  if (perTimestep && tokens) {
    const weights = Float32Array.from(inputs as Int32Array, (id) => (id === 0 ? 0 : 1));
    batch.weights = tf.tensor2d(weights, [rows.length, steps]);
  }
  return batch;
}

/** Rows [start, end) of `order`, for iterating over a split in batches. */
export function batchRows(order: readonly number[], batchIndex: number, batchSize: number): number[] {
  return order.slice(batchIndex * batchSize, (batchIndex + 1) * batchSize);
}
