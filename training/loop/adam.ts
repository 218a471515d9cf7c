import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../../shared/artifact/named-tensor';

export interface AdamOptions {
  learningRate: number;
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-7, as tfjs and Keras use for float32 */
  epsilon?: number;
}

const STEP = 'step';

const zerosVariable = (like: tf.Tensor) => tf.tidy(() => tf.variable(tf.zerosLike(like), false));

/**
 * Adam (Kingma & Ba 2015), computed as `tf.train.adam` computes it, with a
 * state that saves and restores exactly. tfjs's optimizer advances the bias
 * corrections β₁ᵗ and β₂ᵗ by repeated float32 multiplication but rebuilds
 * them with `pow` when its weights are set, so a resumed run drifted from an
 * uninterrupted one in the last bits. Here βᵗ comes from the step count at
 * every step: the step count and the two moments are the whole state.
 *
 * @example
 * const adam = new Adam({ embedding: embeddingVariable, ... }, { learningRate: 1e-3 });
 * adam.applyGradients({ embedding: gradient, ... });
 * const saved = await adam.state(); // [{ name: 'step', ... }, { name: 'embedding/m', ... }, ...]
 * adam.restore(saved);              // later, from a checkpoint
 */
export class Adam {
  readonly #variables: Readonly<Record<string, tf.Variable>>;
  readonly #moments: Record<string, { m: tf.Variable; v: tf.Variable }>;
  readonly #options: Required<AdamOptions>;
  #step = 0;

  constructor(variables: Readonly<Record<string, tf.Variable>>, options: AdamOptions) {
    this.#variables = variables;
    this.#options = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, ...options };
    this.#moments = Object.fromEntries(
      Object.entries(variables).map(([name, variable]) => [
        name,
        { m: zerosVariable(variable), v: zerosVariable(variable) },
      ]),
    );
  }

  /** One update of every variable; `gradients` holds one tensor per variable name. */
  applyGradients(gradients: tf.NamedTensorMap): void {
    const { learningRate, beta1, beta2, epsilon } = this.#options;
    const step = ++this.#step;
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    tf.tidy(() => {
      for (const [name, variable] of Object.entries(this.#variables)) {
        const gradient = gradients[name];
        if (!gradient) throw new Error(`Adam: no gradient for "${name}"`);
        const { m, v } = this.#moments[name];
        const newM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
        const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        m.assign(newM);
        v.assign(newV);
        const update = tf.div(tf.div(newM, correction1), tf.add(tf.sqrt(tf.div(newV, correction2)), epsilon));
        variable.assign(tf.add(tf.mul(update, -learningRate), variable));
      }
    });
  }

  /** The step count and both moments of every variable, for a checkpoint. */
  async state(): Promise<NamedTensor[]> {
    const moments = await Promise.all(
      Object.entries(this.#moments).flatMap(([name, { m, v }]) =>
        [['m', m] as const, ['v', v] as const].map(async ([kind, tensor]) => ({
          name: `${name}/${kind}`,
          shape: tensor.shape,
          values: (await tensor.data()) as Float32Array,
        })),
      ),
    );
    return [{ name: STEP, shape: [], values: Float32Array.of(this.#step) }, ...moments];
  }

  /**
   * Continues from a saved {@link state}; changes nothing unless the whole state fits.
   *
   * @throws Error naming the first tensor that is missing or misshapen
   */
  restore(state: readonly NamedTensor[]): void {
    const byName = new Map(state.map((t) => [t.name, t]));
    const find = (name: string, shape: number[]) => {
      const tensor = byName.get(name);
      if (!tensor || tensor.shape.join() !== shape.join()) throw new Error(`the optimizer state has no tensor "${name}" of shape [${shape}]`);
      return tensor.values;
    };
    const step = find(STEP, [])[0];
    const values = Object.entries(this.#moments).map(([name, { m, v }]) => ({ m, v, mValues: find(`${name}/m`, m.shape), vValues: find(`${name}/v`, v.shape) }));
    tf.tidy(() => {
      for (const { m, v, mValues, vValues } of values) {
        m.assign(tf.tensor(mValues, m.shape));
        v.assign(tf.tensor(vValues, v.shape));
      }
    });
    this.#step = step;
  }

  dispose(): void {
    for (const { m, v } of Object.values(this.#moments)) {
      m.dispose();
      v.dispose();
    }
  }
}
