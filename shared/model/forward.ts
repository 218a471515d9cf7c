import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { bidirectionalLstm, bidirectionalLstmOfProjection } from './layers/bidirectional-lstm';
import { dense } from './layers/dense';
import { EMBEDDING, denseParameterNames } from './parameters';
import type { TimeMask } from './ops/bidirectional-recurrence';
import { embeddingLookup } from './ops/embedding-lookup';
import { packRecurrentLayer, ServingWeights, weight, type ModelWeights } from './serving-weights';

export type { ModelWeights } from './serving-weights';

/** Token ids [B, T] (int32, 0 = padding), or real-valued features [B, T, F]. */
export type ModelInput = { tokens: tf.Tensor2D } | { features: tf.Tensor3D };

export interface ForwardOptions {
  /**
   * Training only: drop this share of the embedded inputs and of the recurrent
   * stack's output, from a seeded generator so that a resumed run repeats it.
   */
  dropout?: { rate: number; seed: number };
  /**
   * A sigmoid output's probabilities instead of its logits, the sigmoid
   * applied inside the output layer's product: what {@link predict} asks for,
   * one kernel fewer a prediction.
   */
  sigmoidOutput?: boolean;
}

function maybeDropout<T extends tf.Tensor>(x: T, options: ForwardOptions, salt: number): T {
  const { dropout } = options;
  return dropout && dropout.rate > 0 ? (tf.dropout(x, dropout.rate, undefined, dropout.seed * 31 + salt) as T) : x;
}

/**
 * Token id sequences of any lengths as one batch [B, T], padded with 0 to
 * the longest: with masking, each row is computed at its real length. At
 * least one step: a text without tokens runs as a fully masked one, the
 * model's answer for "no evidence".
 *
 * @example
 * paddedTokens([Int32Array.of(5, 9, 2), Int32Array.of(7)]); // int32 [[5, 9, 2], [7, 0, 0]]
 */
export function paddedTokens(sequences: readonly Int32Array[]): tf.Tensor2D {
  const steps = Math.max(1, ...sequences.map((ids) => ids.length));
  const batch = new Int32Array(sequences.length * steps);
  sequences.forEach((ids, row) => batch.set(ids, row * steps));
  return tf.tensor2d(batch, [sequences.length, steps], 'int32');
}

/** Token ids [B, T] (row-major) as [T, B], the recurrence's time-major order. */
function timeMajorIds(ids: Int32Array, batch: number, steps: number): Int32Array {
  if (batch === 1) return ids;
  const timeMajor = new Int32Array(steps * batch);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) timeMajor[t * batch + b] = ids[b * steps + t];
  }
  return timeMajor;
}

/**
 * The mask of time-major ids, or null when no id is padding, so a batch
 * without padding (and any single text run at its real length) skips masking.
 */
function paddingMask(timeMajor: Int32Array): TimeMask | null {
  if (!timeMajor.includes(0)) return null;
  return Float32Array.from(timeMajor, (id) => (id === 0 ? 0 : 1));
}

/** What the first recurrent layer reads, time-major. */
export interface FirstLayerInput {
  /** [T, B, D] embedded tokens or features, or [T, B, 8H] when `projected`. */
  x: tf.Tensor3D;
  /** Whether `x` is already the first layer's projection, looked up in a `ProjectionTable`. */
  projected: boolean;
  mask: TimeMask | null;
}

/**
 * The first recurrent layer's time-major input and its mask: the embedded
 * tokens or features [T, B, D], or, from a projection table, the tokens'
 * projection [T, B, 8H], which that layer then need not compute.
 */
export function firstLayerInput(
  config: ModelConfig,
  model: ModelWeights | ServingWeights,
  input: ModelInput,
  options: ForwardOptions = {},
): FirstLayerInput {
  const weights = model instanceof ServingWeights ? model.weights : model;
  // Dropout falls on the embedded inputs, which a projection table skips.
  const table = options.dropout?.rate || !(model instanceof ServingWeights) ? null : model.projectionTable;
  if ('features' in input) {
    if (config.input.kind !== 'features') throw new Error('model input: this model reads token ids, got features');
    return { x: tf.transpose(input.features, [1, 0, 2]), projected: false, mask: null };
  }
  if (config.input.kind !== 'tokens') throw new Error('model input: this model reads features, got token ids');
  const [batch, steps] = input.tokens.shape;
  // Transposed here rather than by a tfjs kernel: ids carry no gradient, and a short text's
  // prediction pays for every kernel it dispatches.
  const ids = timeMajorIds(input.tokens.dataSync() as Int32Array, batch, steps);
  const mask = config.input.maskZero ? paddingMask(ids) : null;
  if (table) return { x: table.lookup(ids, [steps, batch]), projected: true, mask };
  return { x: embeddingLookup(weight(weights, EMBEDDING), ids, [steps, batch]) as tf.Tensor3D, projected: false, mask };
}

/**
 * The whole model up to its output logits: embedding, bidirectional LSTMs,
 * dense head and output layer. Differentiable; the recurrences carry their own
 * hand-written backward pass. Serving passes {@link ServingWeights}, whose
 * recurrent layers are packed once and whose first layer's projection is
 * looked up per token (no gradient flows to the weights through it); training
 * passes its variables.
 *
 * @returns logits [B, K], or [B, T, K] for a per-timestep output;
 *   probabilities with `options.sigmoidOutput`.
 *
 * @example
 * const logits = forward(TUTORIAL_MODEL, weights, { tokens: tf.tensor2d(ids, [1, 100], 'int32') }); // [1, 1]
 */
export function forward(
  config: ModelConfig,
  model: ModelWeights | ServingWeights,
  input: ModelInput,
  options: ForwardOptions = {},
): tf.Tensor {
  return forwardFrom(config, model, firstLayerInput(config, model, input, options), options);
}

/**
 * {@link forward} from the first recurrent layer's input on: what a caller
 * that needs the gradient with respect to that input differentiates.
 *
 * @example
 * const first = firstLayerInput(config, serving, { tokens });
 * tf.grad((x) => forwardFrom(config, serving, { ...first, x }).sum())(first.x); // [T, 1, 8H]
 */
export function forwardFrom(
  config: ModelConfig,
  model: ModelWeights | ServingWeights,
  { x, projected, mask }: FirstLayerInput,
  options: ForwardOptions = {},
): tf.Tensor {
  const serving = model instanceof ServingWeights ? model : null;
  const weights = model instanceof ServingWeights ? model.weights : model;
  // Serving's weights are never trained: a gradient (explaining a prediction) skips theirs.
  const frozenWeights = serving !== null;
  const [steps, batch] = x.shape;
  let sequence: tf.Tensor = projected ? x : maybeDropout(x, options, 1);
  config.recurrent.forEach((layer, index) => {
    const layerOptions = {
      weights: serving ? serving.recurrentLayers[index] : packRecurrentLayer(weights, index),
      mergeMode: layer.mergeMode,
      returnSequences: config.output.perTimestep || index < config.recurrent.length - 1,
      mask,
      frozenWeights,
    };
    sequence =
      index === 0 && projected
        ? bidirectionalLstmOfProjection(sequence as tf.Tensor3D, layerOptions)
        : bidirectionalLstm(sequence as tf.Tensor3D, layerOptions);
  });
  // Per-timestep heads see every timestep as its own row (Keras TimeDistributed).
  sequence = maybeDropout(sequence, options, 2);
  let hidden = (config.output.perTimestep ? tf.reshape(sequence, [steps * batch, -1]) : sequence) as tf.Tensor2D;
  config.dense.forEach((layer, index) => {
    const names = denseParameterNames(index);
    hidden = dense(hidden, weight(weights, names.kernel), weight(weights, names.bias), layer.activation, { frozenWeights });
  });
  const output = denseParameterNames('output');
  const outputActivation = options.sigmoidOutput ? 'sigmoid' : 'linear';
  const logits = dense(hidden, weight(weights, output.kernel), weight(weights, output.bias), outputActivation, { frozenWeights });
  if (!config.output.perTimestep) return logits;
  return tf.transpose(tf.reshape(logits, [steps, batch, config.output.units]), [1, 0, 2]);
}

/**
 * Probabilities: sigmoid for a binary output, softmax over the last axis otherwise.
 *
 * @example
 * (await predict(TUTORIAL_MODEL, weights, { tokens }).data())[0]; // 0.93 for a glowing review
 */
export function predict(config: ModelConfig, model: ModelWeights | ServingWeights, input: ModelInput): tf.Tensor {
  return tf.tidy(() => predictFrom(config, model, firstLayerInput(config, model, input)));
}

/** {@link predict} from the first recurrent layer's input on (see {@link forwardFrom}). */
export function predictFrom(config: ModelConfig, model: ModelWeights | ServingWeights, first: FirstLayerInput): tf.Tensor {
  return config.output.activation === 'sigmoid'
    ? forwardFrom(config, model, first, { sigmoidOutput: true })
    : tf.softmax(forwardFrom(config, model, first));
}
