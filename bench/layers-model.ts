import type * as Tfl from '@tensorflow/tfjs-layers';
import type { ModelConfig } from '../shared/model/config';

/**
 * A text classifier of `config`'s architecture built from tfjs-layers' own
 * layers (`bidirectional` + `lstm`, sigmoid recurrent activation as Keras),
 * whose weights, in order, are those of `parameterSpecs(config)`, for the
 * caller to set. Takes any sequence length.
 *
 * @example
 * const model = layersTextClassifier(tfl, TUTORIAL_MODEL);
 * model.setWeights(initialWeights(TUTORIAL_MODEL, 1).map((w) => tf.tensor(w.values, w.shape)));
 */
export function layersTextClassifier(tfl: typeof Tfl, config: ModelConfig): Tfl.Sequential {
  if (config.input.kind !== 'tokens' || config.output.perTimestep) {
    throw new Error('layersTextClassifier: only token input with one output per text');
  }
  const model = tfl.sequential();
  const { vocabularySize, embeddingDim, maskZero } = config.input;
  model.add(tfl.layers.embedding({ inputDim: vocabularySize, outputDim: embeddingDim, maskZero, inputShape: [null] }));
  config.recurrent.forEach((layer, index) => {
    const lstm = tfl.layers.lstm({
      units: layer.units,
      recurrentActivation: 'sigmoid', // tfjs-layers defaults to hardSigmoid
      returnSequences: index < config.recurrent.length - 1,
      // The caller sets every weight; the default orthogonal initializer is slow and warns.
      recurrentInitializer: 'zeros',
    });
    model.add(tfl.layers.bidirectional({ layer: lstm as never, mergeMode: layer.mergeMode }));
  });
  for (const layer of config.dense) model.add(tfl.layers.dense({ units: layer.units, activation: layer.activation }));
  model.add(tfl.layers.dense({ units: config.output.units, activation: config.output.activation }));
  return model;
}
