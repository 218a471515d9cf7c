import type { ModelConfig } from './config';
import { inputWidth, mergedWidth } from './config';

/**
 * How a tensor starts out, following Keras' defaults for each layer:
 * Embedding → uniform(±0.05); kernels → Glorot uniform; recurrent kernels →
 * orthogonal; biases → zeros, except the LSTM forget gate's (`unit_forget_bias`: 1).
 */
export type Initializer = 'embeddingUniform' | 'glorotUniform' | 'orthogonal' | 'zeros' | 'lstmBias';

export interface ParameterSpec {
  /** Stable name, shared by training checkpoints, artifacts and the worker. */
  name: string;
  shape: number[];
  initializer: Initializer;
}

/** Names of one bidirectional layer's tensors, in Keras' layout (gates i, f, c, o). */
export function lstmParameterNames(layer: number, direction: 'forward' | 'backward') {
  const prefix = `bilstm_${layer}/${direction}`;
  return { kernel: `${prefix}/kernel`, recurrentKernel: `${prefix}/recurrent_kernel`, bias: `${prefix}/bias` };
}

export const EMBEDDING = 'embedding/embeddings';

export function denseParameterNames(layer: number | 'output') {
  const prefix = layer === 'output' ? 'output' : `dense_${layer}`;
  return { kernel: `${prefix}/kernel`, bias: `${prefix}/bias` };
}

/**
 * Every trainable tensor of a model, in a fixed order.
 *
 * @example
 * parameterSpecs(TUTORIAL_MODEL)[0];
 * // { name: 'embedding/embeddings', shape: [10000, 64], initializer: 'embeddingUniform' }
 */
export function parameterSpecs(config: ModelConfig): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  if (config.input.kind === 'tokens') {
    const { vocabularySize, embeddingDim } = config.input;
    specs.push({ name: EMBEDDING, shape: [vocabularySize, embeddingDim], initializer: 'embeddingUniform' });
  }
  let width = inputWidth(config.input);
  config.recurrent.forEach((layer, index) => {
    for (const direction of ['forward', 'backward'] as const) {
      const names = lstmParameterNames(index, direction);
      specs.push(
        { name: names.kernel, shape: [width, 4 * layer.units], initializer: 'glorotUniform' },
        { name: names.recurrentKernel, shape: [layer.units, 4 * layer.units], initializer: 'orthogonal' },
        { name: names.bias, shape: [4 * layer.units], initializer: 'lstmBias' },
      );
    }
    width = mergedWidth(layer);
  });
  const dense = [...config.dense.map((layer, index) => ({ ...layer, names: denseParameterNames(index) }))];
  dense.push({ units: config.output.units, activation: 'linear', names: denseParameterNames('output') });
  for (const layer of dense) {
    specs.push(
      { name: layer.names.kernel, shape: [width, layer.units], initializer: 'glorotUniform' },
      { name: layer.names.bias, shape: [layer.units], initializer: 'zeros' },
    );
    width = layer.units;
  }
  return specs;
}

/**
 * @example
 * countParameters(TUTORIAL_MODEL); // 751489, as Keras' model.summary() reports
 */
export function countParameters(config: ModelConfig): number {
  return parameterSpecs(config).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
}
