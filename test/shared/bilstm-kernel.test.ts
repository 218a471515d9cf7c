import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { float32Values, tensorToFill } from '../../shared/backend/heap-values';
import { startNodeBackend } from '../../shared/backend/node';
import { wasmHeap } from '../../shared/backend/wasm-heap';
import { BilstmKernel, kernelRecurrence } from '../../shared/kernels/bilstm';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { TUTORIAL_MODEL, type MergeMode, type ModelConfig } from '../../shared/model/config';
import { forward, predict } from '../../shared/model/forward';
import { bidirectionalRecurrence } from '../../shared/model/ops/bidirectional-recurrence';
import { recurrence, recurrenceEngine, setRecurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { parameterSpecs } from '../../shared/model/parameters';
import { createModelWeights, initialWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';
import { collectGarbage } from '../support/collect-garbage';
import { compareModelEngines, compareRecurrenceEngines } from '../support/recurrence-engines';

/**
 * The fused WebAssembly kernel against the core-op reference (itself checked
 * against tfjs-layers in model.test.ts): outputs to 1e-5, gradients to 1e-4
 * relative.
 */

// Before the kernel starts, the model runs on the reference, and asking for the kernel fails.
const engineBeforeStart = recurrenceEngine();
const kernelRequestBeforeStart = (() => {
  try {
    setRecurrenceEngine('kernel');
    return null;
  } catch (error) {
    return error as Error;
  }
})();

beforeAll(async () => {
  await startNodeBackend();
  await startNodeBilstmKernel();
});

const VOCABULARY = 40;

/**
 * Real lengths of a padded batch: the first row half the steps (so that a
 * batch of one is padded too), then a row of padding only, a full row, and
 * lengths spread over 1..T.
 */
const raggedLengths = (batch: number, steps: number) =>
  Array.from({ length: batch }, (_, r) => [Math.ceil(steps / 2), 0, steps][r] ?? 1 + ((r * 37) % steps));

describe('engine switch', () => {
  it('runs the reference until the kernel is loaded, and refuses an explicit request for the kernel before', () => {
    expect(engineBeforeStart).toBe('reference');
    expect(kernelRequestBeforeStart?.message).toMatch(/not loaded/);
  });

  it('runs the kernel once loaded, and the reference on request', () => {
    expect(recurrenceEngine()).toBe('kernel');
    setRecurrenceEngine('reference');
    expect(recurrenceEngine()).toBe('reference');
    setRecurrenceEngine('kernel');
    expect(recurrenceEngine()).toBe('kernel');
  });
});

describe("one layer's recurrence: kernel against reference", () => {
  for (const steps of [1, 100]) {
    for (const batch of [1, 32]) {
      // The batch-1 product runs 32 columns a pass, then 8 (a tile) at a time; its backward
      // product has H_padded columns: 5 pads to one tile, 40 to a pass and a tile, 64 to two passes.
      for (const units of [5, 40, 64]) {
        for (const masked of [false, true]) {
          const lengths = masked ? raggedLengths(batch, steps) : undefined;
          it(`T = ${steps}, B = ${batch}, H = ${units}, ${masked ? `masked, lengths ${lengths!.slice(0, 4)}…` : 'no mask'}`, () => {
            const difference = compareRecurrenceEngines({ steps, batch, units, lengths }, steps * 1000 + batch * 10 + units);
            expect(difference.outputError).toBeLessThan(1e-5);
            expect(difference.projectedGradientError).toBeLessThan(1e-4);
            expect(difference.recurrentGradientError).toBeLessThan(1e-4);
            expect(difference.kernelOffDiagonal).toBe(0);
            // Skipping the weights' gradient (explaining a prediction) leaves the input's as it was.
            expect(difference.frozenWeightsDifference).toEqual({ reference: 0, kernel: 0 });
          });
        }
      }
    }
  }
});

function tokenModel(recurrent: { units: number; mergeMode: MergeMode }[], maskZero: boolean): ModelConfig {
  return {
    input: { kind: 'tokens', vocabularySize: VOCABULARY, embeddingDim: 6, maskZero },
    recurrent,
    dense: [{ units: 5, activation: 'relu' }],
    output: { activation: 'sigmoid', units: 1, perTimestep: false },
  };
}

/** Ids from 1, then 0 (padding) past each row's length. */
function tokens(lengths: number[], steps: number, seed: number): tf.Tensor2D {
  const random = createRandom(seed);
  const ids = new Int32Array(lengths.length * steps);
  lengths.forEach((length, row) => {
    for (let t = 0; t < length; t++) ids[row * steps + t] = 1 + Math.floor(random() * (VOCABULARY - 1));
  });
  return tf.tensor2d(ids, [lengths.length, steps], 'int32');
}

describe('the whole model: kernel against reference', () => {
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
    for (const layers of [1, 2]) {
      for (const masked of [false, true]) {
        it(`${layers} layer(s), merge mode ${mergeMode}, ${masked ? 'padded batch' : 'no padding'}`, () => {
          const config = tokenModel(
            [
              { units: 5, mergeMode },
              { units: 3, mergeMode },
            ].slice(0, layers),
            masked,
          );
          const input = { tokens: tokens(masked ? [7, 4, 1, 6] : [7, 7, 7, 7], 7, 11) };
          const difference = compareModelEngines(config, input, 5);
          expect(difference.outputError).toBeLessThan(1e-5);
          expect(difference.gradientError).toBeLessThan(1e-4);
        });
      }
    }
  }

  it('a per-timestep head over features (returned sequences, no mask)', () => {
    const config: ModelConfig = {
      input: { kind: 'features', size: 2 },
      recurrent: [{ units: 6, mergeMode: 'concat' }],
      dense: [],
      output: { activation: 'softmax', units: 3, perTimestep: true },
    };
    const random = createRandom(3);
    const features = tf.tensor3d(Float32Array.from({ length: 3 * 10 * 2 }, () => random()), [3, 10, 2]);
    const difference = compareModelEngines(config, { features }, 7);
    expect(difference.outputError).toBeLessThan(1e-5);
    expect(difference.gradientError).toBeLessThan(1e-4);
  });

  it('the tutorial model on a padded batch of 32 reviews of up to 100 tokens', () => {
    const input = { tokens: tokens(raggedLengths(32, 100), 100, 13) };
    const difference = compareModelEngines(
      { ...TUTORIAL_MODEL, input: { kind: 'tokens', vocabularySize: VOCABULARY, embeddingDim: 64, maskZero: true } },
      input,
      9,
    );
    expect(difference.outputError).toBeLessThan(1e-5);
    expect(difference.gradientError).toBeLessThan(1e-4);
  });
});

describe('masking on the kernel (Keras mask_zero)', () => {
  const lengths = [7, 4, 1];
  const config = tokenModel(
    [
      { units: 5, mergeMode: 'concat' },
      { units: 4, mergeMode: 'concat' },
    ],
    true,
  );
  const padded = () => tokens(lengths, 7, 23);
  const alone = () => {
    const ids = padded().arraySync();
    return lengths.map((length, row) => tf.tensor2d([ids[row].slice(0, length)], [1, length], 'int32'));
  };

  it('a padded batch gives each text the answer it gets alone at its real length', () => {
    const weights = createModelWeights(config, initialWeights(config, 9));
    const batchOutput = predict(config, weights, { tokens: padded() }).dataSync();
    alone().forEach((text, row) => {
      expect(Math.abs(predict(config, weights, { tokens: text }).dataSync()[0] - batchOutput[row])).toBeLessThan(1e-6);
    });
  });

  it('padding changes nothing in the gradients either', () => {
    const weights = createModelWeights(config, initialWeights(config, 9), { trainable: true });
    const variables = parameterSpecs(config).map((spec) => weights[spec.name] as tf.Variable);
    const gradsOf = (input: tf.Tensor2D) => tf.variableGrads(() => tf.sum(predict(config, weights, { tokens: input })), variables).grads;
    const batchGrads = gradsOf(padded());
    const perText = alone().map(gradsOf);
    for (const variable of variables) {
      const summed = perText.reduce((sum, grads) => tf.add(sum, grads[variable.name]), tf.zerosLike(variable));
      const error = tf.max(tf.abs(tf.sub(batchGrads[variable.name], summed))).dataSync()[0];
      expect(error / Math.max(tf.max(tf.abs(summed)).dataSync()[0], 1e-7)).toBeLessThan(1e-4);
    }
  });
});

describe('bad input', () => {
  const units = 3;
  const projected = () => tf.zeros([4, 2, 8 * units]) as tf.Tensor3D;
  const blockDiagonal = () =>
    tf.tensor2d(
      Float32Array.from({ length: 2 * units * 8 * units }, (_, i) => {
        const row = Math.floor(i / (8 * units));
        return row < units === (i % (8 * units)) % (2 * units) < units ? 0.1 : 0;
      }),
      [2 * units, 8 * units],
    );

  it('refuses a recurrent matrix that is not block-diagonal, naming an offending entry', () => {
    const dense = tf.fill([2 * units, 8 * units], 0.1) as tf.Tensor2D;
    expect(() => recurrence(projected(), dense, null)).toThrow(/block-diagonal.*recurrent\[0\]\[3\] is not 0/);
  });

  it('refuses a mask of the wrong length or with values other than 0 and 1', () => {
    expect(() => recurrence(projected(), blockDiagonal(), new Float32Array(7).fill(1))).toThrow(/mask has 7 values, expected T·B = 8/);
    const half = new Float32Array(8).fill(1);
    half[5] = 0.5;
    expect(() => recurrence(projected(), blockDiagonal(), half)).toThrow(/mask\[5\] is 0.5, expected 0 or 1/);
  });

  it('refuses inputs whose shapes do not fit', () => {
    expect(() => recurrence(tf.zeros([4, 2, 8 * units]) as tf.Tensor3D, tf.zeros([2 * units, 4 * units]) as tf.Tensor2D, null)).toThrow(
      /do not fit: expected \[T, B, 8H\] and \[2H, 8H\]/,
    );
  });

  it('refuses a module that is not the kernel', () => {
    const empty = new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    expect(() => BilstmKernel.fromInstance(new WebAssembly.Instance(empty), wasmHeap())).toThrow(/not the bilstm kernel's module.*planForward/);
  });
});

describe('frozen weights (explaining a prediction)', () => {
  it('are no input of the recurrence: asking for their gradient fails on both engines, rather than giving zeros', () => {
    const units = 4;
    const projected = tf.zeros([3, 2, 8 * units]);
    const recurrent = tf.zeros([2 * units, 8 * units]);
    try {
      for (const engine of ['kernel', 'reference'] as const) {
        setRecurrenceEngine(engine);
        const loss = (p: tf.Tensor, w: tf.Tensor) => tf.sum(recurrence(p as tf.Tensor3D, w as tf.Tensor2D, null, { frozenWeights: true }));
        expect(() => tf.grads(loss)([projected, recurrent]), engine).toThrow(/Cannot compute gradient of y=f\(x\) with respect to x/);
      }
    } finally {
      setRecurrenceEngine('kernel');
      tf.dispose([projected, recurrent]);
    }
  });
});

describe("the projections' gradients", () => {
  it('are neither transposed nor summed by tfjs: the kernel writes dyᵀ and the row sums with dy', async () => {
    const weights = createModelWeights(TUTORIAL_MODEL, initialWeights(TUTORIAL_MODEL, 1), { trainable: true });
    const variables = parameterSpecs(TUTORIAL_MODEL).map((spec) => weights[spec.name] as tf.Variable);
    const input = tokens([20, 15, 3, 20], 20, 3);
    const rows = 20 * 4;
    const profile = await tf.profile(() =>
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(forward(TUTORIAL_MODEL, weights, { tokens: input })) as tf.Scalar, variables);
      }),
    );
    const onProjectionGradients = profile.kernels.filter(
      (k) => (k.name === 'Transpose' || k.name === 'BatchMatMul') && k.inputShapes.some((shape) => shape[0] === rows || shape[1] === rows),
    );
    // Left: dx = dy·Wᵀ and dWᵀ = dyᵀ·x for both layers, no transpose of dy, no product with a column of ones.
    expect(onProjectionGradients.map((k) => `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('·')}`).sort()).toEqual([
      'BatchMatMul [256,80]·[80,128]',
      'BatchMatMul [512,80]·[80,64]',
      'BatchMatMul [80,256]·[256,128]',
      'BatchMatMul [80,512]·[512,64]',
    ]);
  });
});

describe('resources', () => {
  it('leaks no tensors in a forward pass or a training step on the kernel', () => {
    const weights = createModelWeights(TUTORIAL_MODEL, initialWeights(TUTORIAL_MODEL, 1), { trainable: true });
    const input = () => tokens([20, 15, 3, 20], 20, 3);
    const optimizer = tf.train.adam(1e-3);
    const step = () =>
      tf.tidy(() => {
        optimizer.minimize(() => tf.mean(tf.sigmoid(forward(TUTORIAL_MODEL, weights, { tokens: input() }))) as tf.Scalar);
      });
    step(); // the optimizer creates its slot variables once
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      predict(TUTORIAL_MODEL, weights, { tokens: input() });
    });
    expect(tf.memory().numTensors).toBe(before);
    step();
    expect(tf.memory().numTensors).toBe(before);
  });

  const kernelModule = async () =>
    new WebAssembly.Module(await readFile(new URL('../../shared/kernels/bilstm/build/bilstm.wasm', import.meta.url)));

  /** A kernel of its own, whose workspace and histories no other test touches. */
  async function ownKernel(): Promise<BilstmKernel> {
    const heap = wasmHeap();
    return BilstmKernel.fromInstance(new WebAssembly.Instance(await kernelModule(), { env: { memory: heap.memory } }), heap);
  }

  /** A random layer of `shape`: projected inputs, block-diagonal recurrent weights and d(states). */
  const randomLayer = ({ steps, batch, units }: { steps: number; batch: number; units: number }, seed: number) => {
    const random = createRandom(seed);
    const blockDiagonal = (i: number) => Math.floor(i / (8 * units)) < units === (i % (2 * units)) < units;
    return {
      projected: Float32Array.from({ length: steps * batch * 8 * units }, () => random() * 4 - 2),
      recurrent: Float32Array.from({ length: 2 * units * 8 * units }, (_, i) => (blockDiagonal(i) ? random() - 0.5 : 0)),
      mask: null,
      dStates: Float32Array.from({ length: steps * batch * 2 * units }, () => random() - 0.5),
    };
  };

  it("keeps each training pass's history in its memory until released, whatever runs meanwhile", async () => {
    const kernel = await ownKernel();
    const first = { steps: 6, batch: 2, units: 8 };
    const second = { steps: 9, batch: 3, units: 8 };
    const alone = await ownKernel();
    const expected = alone.backward(first, { ...randomLayer(first, 1), history: alone.forwardRecorded(first, randomLayer(first, 1)).history });

    // Two layers' forward passes, an inference pass, then the first layer's backward pass.
    const { history } = kernel.forwardRecorded(first, randomLayer(first, 1));
    const later = kernel.forwardRecorded(second, randomLayer(second, 2)).history;
    kernel.forward(second, randomLayer(second, 3));
    expect(kernel.keptHistories).toBe(2);
    const gradients = kernel.backward(first, { ...randomLayer(first, 1), history });
    expect(gradients.dProjected).toEqual(expected.dProjected);
    expect(gradients.dRecurrent).toEqual(expected.dRecurrent);

    // Out of order, and twice.
    kernel.release(history);
    expect(kernel.keptHistories).toBe(1);
    kernel.release(later);
    kernel.release(later);
    expect(kernel.keptHistories).toBe(0);
  });

  it("writes dProjected's transpose and row sums along with it, for any batch and width", async () => {
    const kernel = await ownKernel();
    for (const [steps, batch, units] of [[5, 7, 8], [3, 4, 5], [4, 1, 3]]) {
      const shape = { steps, batch, units };
      const inputs = randomLayer(shape, steps * batch * units);
      const { history } = kernel.forwardRecorded(shape, inputs);
      const gradients = kernel.backward(shape, { ...inputs, history });
      kernel.release(history);
      const rows = steps * batch;
      const width = 8 * units;
      const transposed = Float32Array.from({ length: rows * width }, (_, i) => gradients.dProjected[(i % rows) * width + Math.floor(i / rows)]);
      expect(gradients.dProjectedTransposed).toEqual(transposed);
      const sums = Array.from({ length: width }, (_, column) => {
        let sum = 0;
        for (let row = 0; row < rows; row++) sum += gradients.dProjected[row * width + column];
        return sum;
      });
      Array.from(gradients.dProjectedSums).forEach((sum, column) => expect(sum).toBeCloseTo(sums[column], 5));
    }
  });

  it('refuses a history that is released, of another kernel, or of another shape', async () => {
    const kernel = await ownKernel();
    const shape = { steps: 6, batch: 2, units: 8 };
    const other = await ownKernel();
    const { history } = kernel.forwardRecorded(shape, randomLayer(shape, 1));
    expect(() => kernel.backward({ ...shape, steps: 5 }, { ...randomLayer({ ...shape, steps: 5 }, 1), history })).toThrow(
      'bilstm kernel: the history is of T = 6, B = 2, H = 8, not of this pass',
    );
    expect(() => other.backward(shape, { ...randomLayer(shape, 1), history })).toThrow('this history was not recorded by this kernel');
    kernel.release(history);
    expect(() => kernel.backward(shape, { ...randomLayer(shape, 1), history })).toThrow('this history was released; run the forward pass again');
  });

  it('keeps no history of a training pass it refuses', async () => {
    const kernel = await ownKernel();
    const shape = { steps: 6, batch: 2, units: 8 };
    expect(() => kernel.forwardRecorded({ ...shape, batch: 0 }, randomLayer(shape, 1))).toThrow('bilstm kernel: batch must be a positive integer, got 0');
    expect(() => kernel.forwardRecorded({ ...shape, steps: 7 }, randomLayer(shape, 1))).toThrow('bilstm kernel: projected has 768 values, expected 896');
    expect(kernel.keptHistories).toBe(0);
  });

  it('releases a history whose backward pass never runs once its handle is garbage-collected', async () => {
    const kernel = await ownKernel();
    const shape = { steps: 6, batch: 2, units: 8 };
    // The handle is dropped at once, as when the tape that held it is dropped.
    kernel.forwardRecorded(shape, randomLayer(shape, 1));
    expect(kernel.keptHistories).toBe(1);
    await collectGarbage(() => kernel.keptHistories === 0, 20);
    expect(kernel.keptHistories).toBe(0);
  });

  it('packs the recurrent weights into tiles on the first pass given them; later passes of any length reuse them without reading the weights', async () => {
    const kernel = await ownKernel();
    for (const units of [8, 5]) {
      const weights = randomLayer({ steps: 1, batch: 1, units }, units).recurrent;
      const tiles = kernel.recurrentTiles(units);
      [
        { steps: 6, batch: 2, units },
        { steps: 9, batch: 3, units },
        { steps: 1, batch: 1, units },
      ].forEach((shape, pass) => {
        const layer = { ...randomLayer(shape, pass), recurrent: weights };
        const expected = kernel.forward(shape, layer).slice();
        // After the first pass the weights given are zeros: only the tiles hold the real ones.
        const given = pass === 0 ? weights : new Float32Array(weights.length);
        expect(kernel.forward(shape, { ...layer, recurrent: given, tiles })).toEqual(expected);
      });
      kernel.release(tiles);
    }
  });

  it('refuses tiles of another H, released or of another kernel, and gives them back to the heap when released or collected', async () => {
    const kernel = await ownKernel();
    const shape = { steps: 6, batch: 2, units: 8 };
    const tiles = kernel.recurrentTiles(8);
    expect(kernel.keptTiles).toBe(1);
    expect(() => kernel.forward({ ...shape, units: 5 }, { ...randomLayer({ ...shape, units: 5 }, 1), tiles })).toThrow(
      'bilstm kernel: the recurrent tiles are of H = 8, not of this pass (H = 5)',
    );
    const other = await ownKernel();
    expect(() => other.forward(shape, { ...randomLayer(shape, 1), tiles })).toThrow('these recurrent tiles were not made by this kernel');
    expect(() => kernel.recurrentTiles(0)).toThrow('bilstm kernel: units must be a positive integer, got 0');
    kernel.release(tiles);
    kernel.release(tiles);
    expect(kernel.keptTiles).toBe(0);
    expect(() => kernel.forward(shape, { ...randomLayer(shape, 1), tiles })).toThrow('these recurrent tiles were released; make new ones');
    // A handle dropped without release.
    kernel.recurrentTiles(64);
    expect(kernel.keptTiles).toBe(1);
    await collectGarbage(() => kernel.keptTiles === 0, 20);
    expect(kernel.keptTiles).toBe(0);
  });

  it('serving packs each recurrent tensor once and never runs a tensor on the tiles of another, however many come', async () => {
    const kernel = await ownKernel();
    const run = kernelRecurrence(kernel);
    const shape = { steps: 7, batch: 1, units: 8 };
    const projectedOf = (seed: number) => tf.tensor3d(randomLayer(shape, seed).projected, [7, 1, 64]);
    const expectReference = (projected: tf.Tensor3D, recurrent: tf.Tensor2D) => {
      const states = run(projected, recurrent, null).dataSync();
      const reference = tf.tidy(() => bidirectionalRecurrence(projected, recurrent, null).dataSync());
      expect(Math.max(...states.map((value, i) => Math.abs(value - reference[i])))).toBeLessThan(1e-5);
    };
    // Ten tensors, more than the tiles kept, each run three times, in turns, on new inputs each time.
    const layers = Array.from({ length: 10 }, (_, i) => tf.tensor2d(randomLayer(shape, 100 + i).recurrent, [16, 64]));
    tf.tidy(() => {
      expectReference(projectedOf(1), layers[0]);
      expectReference(projectedOf(2), layers[0]);
      expect(kernel.keptTiles).toBe(1);
      expectReference(projectedOf(3), layers[1]);
      expect(kernel.keptTiles).toBe(2);
      for (let round = 0; round < 3; round++) {
        layers.forEach((recurrent, i) => expectReference(projectedOf(round * 10 + i), recurrent));
        expect(kernel.keptTiles).toBe(8);
      }
    });
    tf.dispose(layers);
  });

  it('reads tensors and writes new ones where tfjs keeps them, with the results of copies in and out', async () => {
    const kernel = await ownKernel();
    const shape = { steps: 6, batch: 2, units: 8 };
    const copied = randomLayer(shape, 1);
    const { history: copiedHistory } = kernel.forwardRecorded(shape, copied);
    const expected = kernel.backward(shape, { ...copied, history: copiedHistory });
    const expectedValues = Object.fromEntries(Object.entries(expected).map(([name, values]) => [name, values.slice()]));
    kernel.release(copiedHistory);

    const tensor = (values: Float32Array) => tf.tensor1d(values);
    const [projected, recurrent, dStates] = [copied.projected, copied.recurrent, copied.dStates].map(tensor);
    const outputs = [shape.steps * shape.batch * 64, 64 * shape.steps * shape.batch, 64, 16 * 64].map((size) => tensorToFill([size]));
    const states = tensorToFill([shape.steps * shape.batch * 16]);
    const recorded = kernel.forwardRecorded(shape, { projected: float32Values(projected), recurrent: float32Values(recurrent), mask: null }, float32Values(states));
    const [dProjected, dProjectedTransposed, dProjectedSums, dRecurrent] = outputs.map(float32Values);
    const gradients = kernel.backward(
      shape,
      { recurrent: float32Values(recurrent), mask: null, dStates: float32Values(dStates), history: recorded.history },
      { dProjected, dProjectedTransposed, dProjectedSums, dRecurrent },
    );
    kernel.release(recorded.history);
    // In place: what the kernel returns are the tensors' own values.
    expect(recorded.states.byteOffset).toBe(float32Values(states).byteOffset);
    expect(gradients.dProjected.byteOffset).toBe(dProjected.byteOffset);
    expect(states.dataSync()).toEqual(kernel.forward(shape, copied));
    outputs.forEach((output, i) => expect(output.dataSync(), Object.keys(expectedValues)[i]).toEqual(Object.values(expectedValues)[i]));
    // An array outside the heap to write into gets a copy.
    const outside = new Float32Array(shape.steps * shape.batch * 16);
    expect(kernel.forward(shape, copied, outside)).toBe(outside);
    expect(outside).toEqual(states.dataSync());
    tf.dispose([projected, recurrent, dStates, states, ...outputs]);
  });

  it('writes nothing into the heap when it is instantiated', async () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    new Uint8Array(memory.buffer).fill(0xa5);
    new WebAssembly.Instance(await kernelModule(), { env: { memory } });
    expect(new Uint8Array(memory.buffer).every((byte) => byte === 0xa5)).toBe(true);
  });

  it("lays out no room for the weights' gradients in a pass that gives the input's alone", async () => {
    const shape = { steps: 200, batch: 8, units: 16 };
    const inputs = randomLayer(shape, 3);
    const workspaceAfter = async (pass: 'backward' | 'inputGradient') => {
      const kernel = await ownKernel();
      const { history } = kernel.forwardRecorded(shape, inputs);
      const before = kernel.workspaceBytes;
      kernel[pass](shape, { ...inputs, history });
      kernel.release(history);
      return kernel.workspaceBytes - before;
    };
    // A whole backward pass also lays out dProjected's transpose: T·B·8H floats, 800 KiB here.
    const transposeBytes = shape.steps * shape.batch * 8 * shape.units * 4;
    expect((await workspaceAfter('backward')) - (await workspaceAfter('inputGradient'))).toBeGreaterThanOrEqual(transposeBytes);
  });

  it("the kernel's workspace grows to the largest call, then is reused, and gives its bytes back to the heap", async () => {
    const kernel = await ownKernel();
    const call = (steps: number) => {
      const shape = { steps, batch: 4, units: 8 };
      const inputs = { projected: new Float32Array(steps * 4 * 64), recurrent: new Float32Array(2 * 8 * 64), mask: null };
      const { history } = kernel.forwardRecorded(shape, inputs);
      kernel.backward(shape, { ...inputs, dStates: new Float32Array(steps * 4 * 16), history });
      kernel.release(history);
    };
    call(500);
    const afterLargest = kernel.workspaceBytes;
    for (let i = 0; i < 20; i++) call(i % 2 ? 500 : 50);
    expect(kernel.workspaceBytes).toBe(afterLargest);
    call(5000);
    expect(kernel.workspaceBytes).toBeGreaterThan(afterLargest);
    // Every history went back to the heap: 20 more calls need no more of it.
    const heapBytes = wasmHeap().memory.buffer.byteLength;
    for (let i = 0; i < 20; i++) call(i % 2 ? 5000 : 500);
    expect(wasmHeap().memory.buffer.byteLength).toBe(heapBytes);
  });

  it('gives its workspace and an unreleased history back to the heap once garbage-collected', async () => {
    const heap = wasmHeap();
    const shape = { steps: 1000, batch: 16, units: 16 };
    const inputs = { projected: new Float32Array(1000 * 16 * 128), recurrent: new Float32Array(32 * 128), mask: null };
    // ~8 MB of workspace and ~12 MB of history, the kernel and the handle dropped at once.
    const dropped = async () => {
      (await ownKernel()).forwardRecorded(shape, inputs);
    };
    await dropped();
    await collectGarbage();
    const heapBytes = heap.memory.buffer.byteLength;
    const kernel = await ownKernel();
    kernel.forwardRecorded(shape, inputs);
    expect(heap.memory.buffer.byteLength).toBe(heapBytes);
  });

  it('refuses a pass the heap cannot hold, and keeps working', async () => {
    const kernel = await ownKernel();
    const huge = { steps: 2 ** 20, batch: 64, units: 64 };
    const inputs = { projected: { length: huge.steps * huge.batch * 512 } as Float32Array, recurrent: new Float32Array(128 * 512), mask: null };
    expect(() => kernel.forwardRecorded(huge, inputs)).toThrow(/the heap cannot grow enough for T = 1048576, B = 64, H = 64/);
    expect(kernel.keptHistories).toBe(0);
    const shape = { steps: 6, batch: 2, units: 8 };
    expect(kernel.forward(shape, randomLayer(shape, 1))).toHaveLength(6 * 2 * 16);
  });
});
