import type * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { packBidirectionalLstm, type LstmWeights, type PackedBidirectionalLstm } from './layers/bidirectional-lstm';
import { EMBEDDING, lstmParameterNames } from './parameters';
import { ProjectionTable } from './projection-table';

/** Model tensors by the names of `parameterSpecs`. */
export type ModelWeights = Record<string, tf.Tensor>;

/**
 * The tensor called `name`.
 *
 * @throws Error naming the tensor when it is missing
 */
export function weight<T extends tf.Tensor>(weights: ModelWeights, name: string): T {
  const tensor = weights[name];
  if (!tensor) throw new Error(`model weights: missing tensor "${name}"`);
  return tensor as T;
}

function lstmWeights(weights: ModelWeights, layer: number, direction: 'forward' | 'backward'): LstmWeights {
  const names = lstmParameterNames(layer, direction);
  return {
    kernel: weight(weights, names.kernel),
    recurrentKernel: weight(weights, names.recurrentKernel),
    bias: weight(weights, names.bias),
  };
}

/**
 * Recurrent layer `layer`'s weights packed for the recurrence. Differentiable:
 * training packs its variables this way inside every step.
 */
export function packRecurrentLayer(weights: ModelWeights, layer: number): PackedBidirectionalLstm {
  return packBidirectionalLstm(lstmWeights(weights, layer, 'forward'), lstmWeights(weights, layer, 'backward'));
}

/**
 * Weights that no longer change, with every recurrent layer packed once.
 * Packing on each call costs about 60 tfjs kernels, a third of a short
 * text's whole prediction; a model that serves packs at load instead. A
 * model that reads token ids also looks its first layer's projection up per
 * token (see {@link ProjectionTable}).
 *
 * @example
 * const serving = ServingWeights.pack(config, createModelWeights(config, tensors));
 * predict(config, serving, { tokens }); // same numbers as with the unpacked weights, ~0.6 ms sooner
 */
export class ServingWeights {
  private constructor(
    readonly weights: ModelWeights,
    readonly recurrentLayers: readonly PackedBidirectionalLstm[],
    /** The first layer's projection of each token, for a model that reads token ids. */
    readonly projectionTable: ProjectionTable | null,
  ) {}

  /** Packs `weights`, which it then owns: {@link dispose} frees both. */
  static pack(config: ModelConfig, weights: ModelWeights): ServingWeights {
    const recurrentLayers = config.recurrent.map((_, layer) => packRecurrentLayer(weights, layer));
    const readsTokens = config.input.kind === 'tokens' && recurrentLayers.length > 0;
    return new ServingWeights(
      weights,
      recurrentLayers,
      readsTokens ? new ProjectionTable(weight(weights, EMBEDDING), recurrentLayers[0]) : null,
    );
  }

  dispose(): void {
    for (const tensor of Object.values(this.weights)) tensor.dispose();
    for (const layer of this.recurrentLayers) for (const tensor of Object.values(layer)) tensor.dispose();
  }
}
