import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { createRandom } from '../../shared/random';
import { wasmHeap } from '../../shared/backend/wasm-heap';
import { AdamKernel } from '../../shared/kernels/adam/kernel';
import { Adam } from '../../training/loop/adam';
import { collectGarbage } from '../support/collect-garbage';

beforeAll(async () => {
  await startNodeBackend();
});

// The bias's 5 floats do not fill whole SIMD vectors: the kernel does its last float on its own.
const SHAPES: Record<string, number[]> = { kernel: [3, 4], bias: [5] };

/** Seeded gradients for step `step`, one per variable name. */
function gradientsAt(step: number): Record<string, Float32Array> {
  const random = createRandom(1000 + step);
  return Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape]) => [name, Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => random() * 2 - 1)]),
  );
}

function freshVariables(values?: Record<string, Float32Array>): Record<string, tf.Variable> {
  const random = createRandom(5);
  return Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape]) => {
      const initial = values?.[name] ?? Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => random() - 0.5);
      return [name, tf.variable(tf.tensor(initial, shape))];
    }),
  );
}

/** Feeds `gradients` to `adam`, keyed as tf.variableGrads keys them: by the variables' tfjs names. */
function feed(adam: Adam, variables: Record<string, tf.Variable>, gradients: Record<string, Float32Array>): void {
  tf.tidy(() => {
    adam.applyGradients(Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [variables[name].name, tf.tensor(gradients[name], shape)])));
  });
}

const step = (adam: Adam, variables: Record<string, tf.Variable>, at: number) => feed(adam, variables, gradientsAt(at));

const read = (variables: Record<string, tf.Variable>) =>
  Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.dataSync() as Float32Array]));

/**
 * Adam as tfjs's elementwise kernels compute it, one op at a time, each
 * scalar a float32 tensor: the reference the WebAssembly kernel must match
 * bit for bit.
 */
function referenceStep(variables: Record<string, tf.Variable>, moments: Record<string, { m: tf.Tensor; v: tf.Tensor }>, gradients: Record<string, Float32Array>, step: number) {
  const [learningRate, beta1, beta2, epsilon] = [0.01, 0.9, 0.999, 1e-7];
  tf.tidy(() => {
    for (const [name, variable] of Object.entries(variables)) {
      const gradient = tf.tensor(gradients[name], variable.shape);
      const { m, v } = moments[name];
      const newM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
      const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
      const update = tf.div(tf.div(newM, 1 - beta1 ** step), tf.add(tf.sqrt(tf.div(newV, 1 - beta2 ** step)), epsilon));
      variable.assign(tf.add(tf.mul(update, -learningRate), variable));
      tf.dispose([m, v]);
      moments[name] = { m: tf.keep(newM), v: tf.keep(newV) };
    }
  });
}

/** Our Adam and the elementwise reference, each on its own copy of the same variables. */
async function alongsideReference() {
  const ours = freshVariables();
  const reference = freshVariables();
  const moments = Object.fromEntries(Object.entries(reference).map(([name, v]) => [name, { m: tf.zerosLike(v), v: tf.zerosLike(v) }]));
  return { ours, reference, moments, adam: await Adam.create(ours, { learningRate: 0.01 }) };
}

describe('Adam', () => {
  it("equals tfjs's elementwise kernels bit for bit, moments included", async () => {
    const { ours, reference, moments, adam } = await alongsideReference();
    for (let at = 0; at < 20; at++) {
      step(adam, ours, at);
      referenceStep(reference, moments, gradientsAt(at), at + 1);
    }
    expect(read(ours)).toEqual(read(reference));
    const state = Object.fromEntries(adam.state().map((t) => [t.name, t.values]));
    for (const name of Object.keys(SHAPES)) {
      expect(state[`${name}/m`]).toEqual(moments[name].m.dataSync());
      expect(state[`${name}/v`]).toEqual(moments[name].v.dataSync());
    }
  });

  it('updates from what a variable holds when something else assigned it between steps', async () => {
    const { ours, reference, moments, adam } = await alongsideReference();
    for (let at = 0; at < 6; at++) {
      if (at === 3) {
        // As a checkpoint's weights would be restored into a running optimizer's variables.
        for (const variables of [ours, reference]) variables.kernel.assign(tf.fill(SHAPES.kernel, 0.25));
      }
      step(adam, ours, at);
      referenceStep(reference, moments, gradientsAt(at), at + 1);
    }
    expect(read(ours)).toEqual(read(reference));
  });

  it('moves every weight by the learning rate, against its gradient, on the first step', async () => {
    // Step 1: m̂ = g and v̂ = g², so the update is −lr·g / (|g| + ε): −lr·sign(g) unless |g| is near ε.
    const variables = freshVariables();
    const before = read(variables);
    const adam = await Adam.create(variables, { learningRate: 0.01 });
    step(adam, variables, 0);
    const after = read(variables);
    const gradients = gradientsAt(0);
    for (const name of Object.keys(SHAPES)) {
      after[name].forEach((value, i) => {
        const g = gradients[name][i];
        expect(value - before[name][i]).toBeCloseTo((-0.01 * g) / (Math.abs(g) + 1e-7), 6);
      });
    }
  });

  it('clips the global norm of all gradients together, as Keras global_clipnorm', async () => {
    // Adam's update is invariant to a gradient scale that holds for every step, so the test clips
    // the first step only (gradients ×100, a norm far above 5) and not the second (a norm below 5).
    const clipped = freshVariables();
    const byHand = freshVariables();
    const clipping = await Adam.create(clipped, { learningRate: 0.01, globalClipNorm: 5 });
    const plain = await Adam.create(byHand, { learningRate: 0.01 });
    const large = Object.fromEntries(Object.entries(gradientsAt(0)).map(([name, g]) => [name, g.map((x) => x * 100)]));
    const norm = Math.hypot(...Object.values(large).flatMap((g) => [...g]));
    expect(norm).toBeGreaterThan(5);
    feed(clipping, clipped, large);
    feed(plain, byHand, Object.fromEntries(Object.entries(large).map(([name, g]) => [name, g.map((x) => x * (5 / norm))])));
    const small = gradientsAt(1);
    expect(Math.hypot(...Object.values(small).flatMap((g) => [...g]))).toBeLessThan(5);
    feed(clipping, clipped, small);
    feed(plain, byHand, small);
    const [got, expected] = [read(clipped), read(byHand)];
    for (const name of Object.keys(SHAPES)) got[name].forEach((value, i) => expect(value).toBeCloseTo(expected[name][i], 6));
    // Without the clip, the second step would have moved the weights elsewhere.
    const unclipped = freshVariables();
    const free = await Adam.create(unclipped, { learningRate: 0.01 });
    feed(free, unclipped, large);
    feed(free, unclipped, small);
    const loose = read(unclipped);
    expect(Math.max(...Object.keys(SHAPES).flatMap((name) => [...loose[name]].map((value, i) => Math.abs(value - got[name][i]))))).toBeGreaterThan(1e-4);
  });

  it('updates weights as tf.train.adam does', async () => {
    const ours = freshVariables();
    const reference = freshVariables();
    const adam = await Adam.create(ours, { learningRate: 0.01 });
    const tfjsAdam = tf.train.adam(0.01);
    for (let at = 0; at < 25; at++) {
      step(adam, ours, at);
      tf.tidy(() => {
        const gradients = gradientsAt(at);
        tfjsAdam.applyGradients(
          Object.entries(SHAPES).map(([name, shape]) => ({ name: reference[name].name, tensor: tf.tensor(gradients[name], shape) })),
        );
      });
    }
    const [got, expected] = [read(ours), read(reference)];
    const initial = read(freshVariables());
    for (const name of Object.keys(SHAPES)) {
      // tfjs keeps βᵗ as a float32 running product, we compute it from t in float64: ~1e-6 apart after 25 steps.
      expect(Math.max(...got[name].map((value, i) => Math.abs(value - expected[name][i])))).toBeLessThan(1e-5);
      // 25 steps of 0.01 moved every weight by far more than the tolerance.
      expect(Math.min(...got[name].map((value, i) => Math.abs(value - initial[name][i])))).toBeGreaterThan(1e-3);
    }
    tfjsAdam.dispose();
  });

  it('continues from a saved state to exactly the weights of an uninterrupted run', async () => {
    const straight = freshVariables();
    const straightAdam = await Adam.create(straight, { learningRate: 0.01 });
    for (let at = 0; at < 30; at++) step(straightAdam, straight, at);

    const first = freshVariables();
    const firstAdam = await Adam.create(first, { learningRate: 0.01 });
    for (let at = 0; at < 13; at++) step(firstAdam, first, at);
    const saved = firstAdam.state();
    const resumed = freshVariables(read(first));
    const resumedAdam = await Adam.create(resumed, { learningRate: 0.01 });
    resumedAdam.restore(saved);
    for (let at = 13; at < 30; at++) step(resumedAdam, resumed, at);

    expect(read(resumed)).toEqual(read(straight));
    expect(saved.find((t) => t.name === 'step')!.values[0]).toBe(13);
  });

  it("works on tensors in tfjs's heap, and says so of arrays elsewhere", async () => {
    const kernel = await AdamKernel.create([5]);
    const settings = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1, gradientScale: 1 };
    const outside = new Float32Array(5);
    expect(() => kernel.update(0, { parameters: outside, gradients: outside, into: outside }, settings)).toThrow(
      'AdamKernel: parameters of tensor 0 must be a view of the heap of 5 floats',
    );
  });

  it('gives its moments back to the heap once garbage-collected', async () => {
    const heap = wasmHeap();
    const sizes = [4_000_000, 3];
    const dropped = async () => {
      await AdamKernel.create(sizes); // 32 MB of moments, the handle dropped at once
    };
    await dropped();
    await collectGarbage();
    const heapBytes = heap.memory.buffer.byteLength;
    // Had the first kernel's moments stayed, these would need 32 MB more of the heap.
    await AdamKernel.create(sizes);
    expect(heap.memory.buffer.byteLength).toBe(heapBytes);
  });

  it('rejects a state that does not fit, changing nothing', async () => {
    const variables = freshVariables();
    const adam = await Adam.create(variables, { learningRate: 0.01 });
    step(adam, variables, 0);
    const before = adam.state();
    const others = freshVariables();
    const other = await Adam.create(others, { learningRate: 0.01 });
    step(other, others, 1);
    const partial = other.state().filter((t) => t.name !== 'bias/v');
    expect(() => adam.restore(partial)).toThrow('the optimizer state has no tensor "bias/v" of shape [5]');
    expect(adam.state()).toEqual(before);
  });
});
