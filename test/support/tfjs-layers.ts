// tfjs-layers calls chained ops (`t.flatten()` …) that tfjs-core leaves
// unregistered, so register them first. This and the import below resolve to
// the same tfjs-core as our code does (see vitest.config.ts).
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelConfig } from '../../shared/model/config';

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
export { tfl };

/**
 * `config`'s architecture built from tfjs-layers' own layers
 * (`bidirectional` + `lstm` with Keras' sigmoid recurrent activation), its
 * weights in the order of `parameterSpecs(config)`, for the caller to set.
 * Reads texts of `steps` tokens (any length when left out); with
 * `embedded`, a token model without its embedding layer, which reads
 * embedded tokens [B, T, D].
 *
 * @example
 * ```ts
 * const reference = layersModel(config);
 * reference.setWeights(values.map((v) => tf.tensor(v.values, v.shape)));
 * ```
 */
export function layersModel(config: ModelConfig, { steps = null, embedded = false }: { steps?: number | null; embedded?: boolean } = {}) {
  const model = tfl.sequential();
  const { input } = config;
  if (input.kind === 'tokens' && !embedded) {
    model.add(tfl.layers.embedding({ inputDim: input.vocabularySize, outputDim: input.embeddingDim, maskZero: input.maskZero, inputShape: [steps] }));
  }
  const firstInputSize = input.kind === 'features' ? input.size : embedded ? input.embeddingDim : null;
  config.recurrent.forEach((layer, index) => {
    const lstm = tfl.layers.lstm({
      units: layer.units,
      recurrentActivation: 'sigmoid', // tfjs-layers defaults to hardSigmoid
      returnSequences: config.output.perTimestep || index < config.recurrent.length - 1,
      // The caller sets every weight; the default orthogonal initializer is slow and warns.
      recurrentInitializer: 'zeros',
    });
    model.add(
      tfl.layers.bidirectional({
        layer: lstm as never,
        mergeMode: layer.mergeMode,
        ...(index === 0 && firstInputSize !== null ? { inputShape: [steps, firstInputSize] } : {}),
      }),
    );
  });
  const denseLayer = (units: number, activation: 'relu' | 'linear' | 'tanh' | 'sigmoid' | 'softmax') =>
    config.output.perTimestep
      ? tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units, activation }) })
      : tfl.layers.dense({ units, activation });
  for (const layer of config.dense) model.add(denseLayer(layer.units, layer.activation));
  model.add(denseLayer(config.output.units, config.output.activation));
  return model;
}
