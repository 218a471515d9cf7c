import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../shared/model/config';

/**
 * Mean cross-entropy of a batch, from logits (numerically stable): binary for
 * a sigmoid output, categorical for softmax. Per-timestep outputs average
 * over real timesteps only; `weights` (1 = real, 0 = padding) says which.
 *
 * @param labels class ids, [B] or [B, T] for per-timestep outputs.
 *
 * @example
 * crossEntropy(TUTORIAL_MODEL, logits, tf.tensor1d([1, 0], 'int32')); // scalar, ≈ 0.693 for an untrained model
 */
export function crossEntropy(config: ModelConfig, logits: tf.Tensor, labels: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  const units = config.output.units;
  const flatLogits = tf.reshape(logits, [-1, units]);
  const flatLabels = tf.reshape(labels, [-1]);
  const flatWeights = weights ? tf.reshape(weights, [-1]) : undefined;
  if (config.output.activation === 'sigmoid') {
    return tf.losses.sigmoidCrossEntropy(
      tf.reshape(tf.cast(flatLabels, 'float32'), [-1, 1]),
      flatLogits,
      flatWeights ? tf.reshape(flatWeights, [-1, 1]) : undefined,
    );
  }
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(flatLabels, 'int32'), units), flatLogits, flatWeights);
}
