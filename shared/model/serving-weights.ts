import type * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../artifact/named-tensor';
import type { ModelConfig } from './config';
import { packBidirectionalLstm, type LstmWeights, type PackedBidirectionalLstm } from './layers/bidirectional-lstm';
import { EMBEDDING, lstmParameterNames } from './parameters';
import { ProjectionTable, tensorRows, type EmbeddingRows } from './projection-table';
import { createModelWeights } from './weights';

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

/** Whether serving looks the first layer's input up per token: a model whose first recurrent layer reads token ids. */
function hasProjectionTable(config: ModelConfig): boolean {
  return config.input.kind === 'tokens' && config.recurrent.length > 0;
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

  /**
   * Packs `weights`, which it then owns: {@link dispose} frees both.
   *
   * @param embedding where the projection table reads the embedding's rows
   *   when `weights` leaves the embedding out (see {@link fromTensors})
   */
  static pack(config: ModelConfig, weights: ModelWeights, embedding?: EmbeddingRows): ServingWeights {
    const recurrentLayers = config.recurrent.map((_, layer) => packRecurrentLayer(weights, layer));
    return new ServingWeights(
      weights,
      recurrentLayers,
      hasProjectionTable(config) ? new ProjectionTable(embedding ?? tensorRows(weight(weights, EMBEDDING)), recurrentLayers[0]) : null,
    );
  }

  /**
   * Checks and packs a model's named tensors, as an artifact decodes them.
   * An embedding that can hand out its rows (`StoredTensor`) stays where it
   * is: the projection table reads the rows its texts use, and no tensor of
   * the whole embedding is made.
   *
   * @throws Error naming a missing, extra or misshapen tensor
   *
   * @example
   * const { tensors } = await decodeArtifact(modelJson, weightsBin);
   * const serving = ServingWeights.fromTensors(config, tensors); // the uint8 embedding is never dequantized whole
   */
  static fromTensors(config: ModelConfig, tensors: readonly (NamedTensor & Partial<EmbeddingRows>)[]): ServingWeights {
    const embedding = hasProjectionTable(config) ? tensors.find((tensor) => tensor.name === EMBEDDING) : undefined;
    const rows = embedding?.rows ? (embedding as EmbeddingRows) : undefined;
    return ServingWeights.pack(config, createModelWeights(config, tensors, { except: rows && EMBEDDING }), rows);
  }

  dispose(): void {
    for (const tensor of Object.values(this.weights)) tensor.dispose();
    for (const layer of this.recurrentLayers) for (const tensor of Object.values(layer)) tensor.dispose();
  }
}
