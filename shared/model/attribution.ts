import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { firstLayerInput, predictFrom } from './forward';
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
 * Gradient × input for one text: for each token, the gradient of the most
 * probable label's probability with respect to the token's embedding,
 * dotted with that embedding. It estimates, to first order, how much the
 * token moved the probability, and costs one forward and one backward pass,
 * about 4 predictions, where occlusion (deleting each token in turn) costs T
 * predictions of T − 1 tokens.
 *
 * It is computed on the first layer's projection x_t = e_t·W + b, which
 * serving looks up per token, and is exact there: ∂p/∂e_t · e_t =
 * ∂p/∂x_t · (x_t − b), since x_t − b = e_t·W.
 *
 * @param ids one text's token ids, as the classifier encodes it
 * @throws Error for a model that does not read token ids, or when tfjs-core's
 *   gradients are not registered (a backend started with `gradients: false`
 *   and no `registerGradients()` since)
 *
 * @example
 * gradientTimesInput(config, serving, Int32Array.of(11, 452, 17));
 * // { probabilities: Float32Array [0.93], label: 1, contributions: Float32Array [0.004, 0.181, -0.006] }
 */
export function gradientTimesInput(config: ModelConfig, serving: ServingWeights, ids: Int32Array): GradientAttribution {
  if (!serving.projectionTable) throw new Error('gradientTimesInput: the model must read token ids');
  let probabilities: Float32Array = new Float32Array(0);
  let label = 0;
  const contributions = tf.tidy(() => {
    const first = firstLayerInput(config, serving, { tokens: tf.tensor2d(ids, [1, ids.length], 'int32') });
    const topProbability = (x: tf.Tensor) => {
      const output = predictFrom(config, serving, { ...first, x: x as tf.Tensor3D });
      // Read inside the differentiated function: which label to explain depends on the answer.
      probabilities = output.dataSync() as Float32Array;
      if (config.output.activation === 'sigmoid') {
        label = probabilities[0] >= 0.5 ? 1 : 0;
        return label === 1 ? output : tf.sub(1, output);
      }
      label = probabilities.indexOf(Math.max(...probabilities));
      return tf.slice(output, [0, label], [1, 1]);
    };
    const gradient = gradientOrExplain(() => tf.grad(topProbability)(first.x));
    return tf.sum(tf.mul(gradient, tf.sub(first.x, serving.recurrentLayers[0].bias)), [1, 2]);
  });
  const values = contributions.dataSync() as Float32Array;
  contributions.dispose();
  return { probabilities, label, contributions: values };
}

function gradientOrExplain(compute: () => tf.Tensor): tf.Tensor {
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
