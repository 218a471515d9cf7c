import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../artifact/named-tensor';
import { createRandom } from '../random';
import type { ModelConfig } from './config';
import type { ModelWeights } from './forward';
import { initialize } from './initializers';
import { parameterSpecs } from './parameters';

/**
 * Fresh weights for `config`, Keras-initialised from `seed`: the same seed
 * always gives the same model.
 *
 * @example
 * initialWeights(TUTORIAL_MODEL, 42).length; // 15 tensors, 751,489 numbers
 */
export function initialWeights(config: ModelConfig, seed: number): NamedTensor[] {
  const random = createRandom(seed);
  return parameterSpecs(config).map((spec) => ({
    name: spec.name,
    shape: spec.shape,
    values: initialize(spec.initializer, spec.shape, random),
  }));
}

export interface CreateModelWeightsOptions {
  /** Make `tf.Variable`s, for training. @default false */
  trainable?: boolean;
  /** A tensor to check but not create, e.g. an embedding that serving reads row by row. */
  except?: string;
}

/**
 * Turns named values into the tensors {@link forward} reads, after checking
 * that they are exactly the tensors `config` needs: a missing, extra or
 * misshapen tensor throws, so a model file can never be half-applied.
 */
export function createModelWeights(config: ModelConfig, tensors: readonly NamedTensor[], options: CreateModelWeightsOptions = {}): ModelWeights {
  const { trainable = false, except } = options;
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const specs = parameterSpecs(config);
  for (const spec of specs) {
    const tensor = byName.get(spec.name);
    if (!tensor) throw new Error(`model weights: missing tensor "${spec.name}"`);
    if (tensor.shape.join() !== spec.shape.join()) {
      throw new Error(
        `model weights: tensor "${spec.name}" has shape [${tensor.shape}], the config needs [${spec.shape}]`,
      );
    }
  }
  const extra = tensors.find((t) => !specs.some((s) => s.name === t.name));
  if (extra) throw new Error(`model weights: unexpected tensor "${extra.name}" for this config`);
  return Object.fromEntries(
    specs.filter((spec) => spec.name !== except).map((spec) => {
      const values = tf.tensor(byName.get(spec.name)!.values, spec.shape, 'float32');
      if (!trainable) return [spec.name, values];
      // Unnamed: tfjs variable names are global, and two models may share tensor names.
      const variable = tf.variable(values, true);
      values.dispose(); // the variable holds its own reference to the data
      return [spec.name, variable];
    }),
  );
}

/** Reads tensors back into named values, e.g. to write a checkpoint or an artifact. */
export async function readModelWeights(config: ModelConfig, weights: ModelWeights): Promise<NamedTensor[]> {
  return Promise.all(
    parameterSpecs(config).map(async (spec) => ({
      name: spec.name,
      shape: spec.shape,
      values: (await weights[spec.name].data()) as Float32Array,
    })),
  );
}
