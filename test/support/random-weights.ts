import type { NamedTensor } from '../../shared/artifact/named-tensor';
import type { ModelConfig } from '../../shared/model/config';
import { initialWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';

/**
 * Every tensor uniform in ±0.5, biases included: Keras' initial weights (zero
 * biases, small kernels) would leave some gradients near 1e-11, below float32
 * resolution, and exercise no bias path.
 *
 * @example
 * ```ts
 * const weights = createModelWeights(config, randomWeights(config, 7));
 * ```
 */
export function randomWeights(config: ModelConfig, seed: number): NamedTensor[] {
  const random = createRandom(seed);
  return initialWeights(config, seed).map((t) => ({ ...t, values: t.values.map(() => random() - 0.5) }));
}
