import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { firstLayerInput, paddedTokens, predictFrom } from './forward';
import type { ServingWeights } from './serving-weights';

/** One text's prediction with each token's part in it, from {@link gradientTimesInput}. */
export interface GradientAttribution {
  /** What `predict` gives for the text: [K] probabilities, or [1] for a sigmoid output. */
  probabilities: Float32Array;
  /** The most probable label's index among the model's labels (for a sigmoid output, 1 when p ≥ 0.5). */
  label: number;
  /** Per token, in text order: how much it moved that label's probability, to first order. */
  contributions: Float32Array;
}

/**
 * Gradient × input for each of a batch of texts: for each token, the
 * gradient of its text's most probable label's probability with respect to
 * the token's embedding, dotted with that embedding. It estimates, to first
 * order, how much the token moved the probability, and costs one forward
 * and one backward pass, about 4 predictions, where occlusion (deleting
 * each token in turn) costs T predictions of T − 1 tokens a text.
 *
 * The texts run as one batch, padded to the longest and masked: a text's
 * probability depends on its own tokens alone, so the gradient of the sum
 * of the texts' probabilities gives each text's own. It is computed on the
 * first layer's projection x_t = e_t·W + b, which serving looks up per
 * token, and is exact there: ∂p/∂e_t · e_t = ∂p/∂x_t · (x_t − b), since
 * x_t − b = e_t·W.
 *
 * @param sequences each text's token ids, as the classifier encodes them;
 *   a model without masking needs them all of one length
 * @throws Error for a model that does not read token ids, or when tfjs-core's
 *   gradients are not registered (a backend started with `gradients: false`
 *   and no `registerGradients()` since)
 *
 * @example
 * const ids = vectorizer.encode('Not bad at all, I loved it!').filter((id) => id !== 0); // its 7 tokens, unpadded
 * gradientTimesInput(config, serving, [ids]); // the bundled model
 * // [{ probabilities: Float32Array [0.6032], label: 1,
 * //    contributions: Float32Array [-0.141, -0.363, 0.037, 0.064, 0.015, 0.318, 0.072] }]
 */
export function gradientTimesInput(config: ModelConfig, serving: ServingWeights, sequences: readonly Int32Array[]): GradientAttribution[] {
  if (!serving.projectionTable) throw new Error('gradientTimesInput: the model must read token ids');
  const batch = sequences.length;
  const units = config.output.units;
  let probabilities: Float32Array = new Float32Array(0);
  let labels: number[] = [];
  const contributions = tf.tidy(() => {
    const first = firstLayerInput(config, serving, { tokens: paddedTokens(sequences) });
    const sumOfTopProbabilities = (x: tf.Tensor) => {
      const output = predictFrom(config, serving, { ...first, x: x as tf.Tensor3D });
      // Read inside the differentiated function: which label to explain depends on the answer.
      probabilities = output.dataSync() as Float32Array;
      labels = sequences.map((_, row) => topLabel(config, probabilities.subarray(row * units, (row + 1) * units)));
      // A sigmoid's other label has probability 1 − p: its gradient is −∂p.
      const weights =
        config.output.activation === 'sigmoid'
          ? Float32Array.from(labels, (label) => (label === 1 ? 1 : -1))
          : Float32Array.from({ length: batch * units }, (_, k) => (labels[Math.floor(k / units)] === k % units ? 1 : 0));
      return tf.sum(tf.mul(output, tf.tensor2d(weights, [batch, units])));
    };
    const gradient = withRegisteredGradients(() => tf.grad(sumOfTopProbabilities)(first.x));
    return tf.sum(tf.mul(gradient, tf.sub(first.x, serving.recurrentLayers[0].bias)), 2); // [T, B]
  });
  const values = contributions.dataSync() as Float32Array;
  contributions.dispose();
  return sequences.map((ids, row) => ({
    probabilities: probabilities.slice(row * units, (row + 1) * units),
    label: labels[row],
    contributions: Float32Array.from(ids, (_, t) => values[t * batch + row]),
  }));
}

/** The most probable label's index: for a sigmoid output, 1 when p ≥ 0.5, as the classifier's sort puts it first. */
function topLabel(config: ModelConfig, probabilities: Float32Array): number {
  if (config.output.activation === 'sigmoid') return probabilities[0] >= 0.5 ? 1 : 0;
  return probabilities.indexOf(Math.max(...probabilities));
}

/** Runs `compute`, turning tfjs's error for a gradient it has no function for into one that says what to do. */
function withRegisteredGradients(compute: () => tf.Tensor): tf.Tensor {
  try {
    return compute();
  } catch (error) {
    const message = (error as Error).message;
    if (!/gradient function not found/.test(message)) throw error;
    throw new Error(`gradientTimesInput: tfjs-core's gradients are not registered; start the backend with them or await registerGradients() first (${message})`, {
      cause: error,
    });
  }
}
