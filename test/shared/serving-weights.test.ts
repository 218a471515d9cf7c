import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeArtifact, encodeArtifact } from '../../shared/artifact';
import { startNodeBackend } from '../../shared/backend/node';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { TUTORIAL_MODEL, type ModelConfig } from '../../shared/model/config';
import { forward, predict } from '../../shared/model/forward';
import { bidirectionalRecurrence } from '../../shared/model/ops/bidirectional-recurrence';
import { recurrence, setRecurrenceEngine, type RecurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { projectInput, type PackedBidirectionalLstm } from '../../shared/model/layers/bidirectional-lstm';
import { embeddingLookup } from '../../shared/model/ops/embedding-lookup';
import { EMBEDDING } from '../../shared/model/parameters';
import { ProjectionTable, tensorRows } from '../../shared/model/projection-table';
import { packRecurrentLayer, ServingWeights } from '../../shared/model/serving-weights';
import { createModelWeights, initialWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';

/**
 * Serving packs each recurrent layer once (ServingWeights) and the kernel
 * reads a recurrent matrix once per value: both must give exactly what the
 * per-call path gives, and never serve stale numbers.
 */

beforeAll(async () => {
  await startNodeBackend();
  await startNodeBilstmKernel();
});

const CONFIG: ModelConfig = {
  ...TUTORIAL_MODEL,
  input: { kind: 'tokens', vocabularySize: 50, embeddingDim: 16, maskZero: true },
  recurrent: [
    { units: 12, mergeMode: 'concat' },
    { units: 8, mergeMode: 'ave' },
  ],
};

/** Three texts of 30, 17 and 4 tokens, padded to 30. */
function paddedBatch(): tf.Tensor2D {
  const random = createRandom(5);
  const ids = new Int32Array(3 * 30);
  [30, 17, 4].forEach((length, row) => {
    for (let t = 0; t < length; t++) ids[row * 30 + t] = 1 + Math.floor(random() * 49);
  });
  return tf.tensor2d(ids, [3, 30], 'int32');
}

describe('ServingWeights', () => {
  for (const engine of ['kernel', 'reference'] as RecurrenceEngine[]) {
    it(`predicts what the unpacked weights predict, on the ${engine} engine`, () => {
      setRecurrenceEngine(engine);
      const values = initialWeights(CONFIG, 3);
      const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, values));
      const unpacked = createModelWeights(CONFIG, values);
      const ours = predict(CONFIG, serving, { tokens: paddedBatch() }).dataSync();
      const perCall = predict(CONFIG, unpacked, { tokens: paddedBatch() }).dataSync();
      expect(ours).toHaveLength(3);
      ours.forEach((p, row) => expect(Math.abs(p - perCall[row])).toBeLessThan(1e-6));
      setRecurrenceEngine('kernel');
    });
  }

  it('dispatches, once its tokens are known, neither packing kernels nor the first projection', async () => {
    const values = initialWeights(CONFIG, 3);
    const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, values));
    const unpacked = createModelWeights(CONFIG, values);
    // Products outside a gradient computation run as the backend's function, which tf.profile does not see.
    const products = vi.spyOn(tf.getKernel(tf._FusedMatMul, tf.getBackend())!, 'kernelFunc');
    const workOf = async (run: () => void) => {
      products.mockClear();
      const kernels = (await tf.profile(() => tf.tidy(run))).kernels.length;
      return { kernels, products: products.mock.calls.length };
    };
    const predictionWork = (weights: ServingWeights | Record<string, tf.Tensor>) => workOf(() => void predict(CONFIG, weights, { tokens: paddedBatch() }));
    const packing = await workOf(() => CONFIG.recurrent.forEach((_, layer) => packRecurrentLayer(unpacked, layer)));
    expect(packing.kernels).toBeGreaterThan(0);
    await predictionWork(serving); // meets the batch's tokens
    const [perCall, served] = [await predictionWork(unpacked), await predictionWork(serving)];
    expect(perCall.kernels - served.kernels).toBe(packing.kernels);
    expect(perCall.products - served.products).toBe(1); // the first layer's projection
    products.mockRestore();
  });

  it("applies the output's sigmoid inside its product: a prediction dispatches no sigmoid of its own", async () => {
    const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, initialWeights(CONFIG, 4)));
    const dispatched = (await tf.profile(() => tf.tidy(() => void predict(CONFIG, serving, { tokens: paddedBatch() })))).kernels;
    expect(dispatched.map((kernel) => kernel.name)).not.toContain('Sigmoid');
    const logits = tf.tidy(() => forward(CONFIG, serving, { tokens: paddedBatch() }).dataSync());
    const probabilities = tf.tidy(() => predict(CONFIG, serving, { tokens: paddedBatch() }).dataSync());
    probabilities.forEach((p, i) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-logits[i])), 6));
  });

  it("reads an artifact's uint8 embedding row by row: the same predictions, no tensor of the whole embedding", async () => {
    const artifact = await encodeArtifact({
      tensors: initialWeights(CONFIG, 6),
      precision: 'uint8',
      modelTopology: { ...CONFIG },
      vocabulary: null,
      labels: ['negative', 'positive'],
    });
    // Two decodings: packing every tensor reads the embedding's values, after which its rows would come from them.
    const decode = async () => (await decodeArtifact(artifact.modelJson, artifact.weightsBin)).tensors;
    const byRows = ServingWeights.fromTensors(CONFIG, await decode());
    const whole = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, await decode()));
    expect(byRows.weights[EMBEDDING]).toBeUndefined();
    expect(whole.weights[EMBEDDING]).toBeDefined();
    const [ours, expected] = [byRows, whole].map((weights) => tf.tidy(() => predict(CONFIG, weights, { tokens: paddedBatch() }).dataSync()));
    expect(ours).toEqual(expected);
    expect(() => tf.tidy(() => predict(CONFIG, byRows, { tokens: tf.tensor2d([[3, 50]], [1, 2], 'int32') }))).toThrow(
      /embedding\/embeddings: ids\[\d\] = 50 is not one of its 50 rows/,
    );
    byRows.dispose();
    whole.dispose();
  });

  it('owns its tensors: dispose frees the weights and the packed layers', () => {
    const before = tf.memory().numTensors;
    const serving = ServingWeights.pack(CONFIG, createModelWeights(CONFIG, initialWeights(CONFIG, 3)));
    tf.tidy(() => void predict(CONFIG, serving, { tokens: paddedBatch() }));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    serving.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ProjectionTable', () => {
  let embedding: tf.Tensor2D;
  let layer: PackedBidirectionalLstm;
  beforeAll(() => {
    const weights = createModelWeights(CONFIG, initialWeights(CONFIG, 4));
    embedding = weights[EMBEDDING] as tf.Tensor2D;
    layer = packRecurrentLayer(weights, 0);
  });
  /** T = 6, B = 2, time-major, with repeated tokens. */
  const ids = Int32Array.of(3, 7, 3, 3, 49, 1, 7, 0, 12, 3, 0, 0);

  it('looks up, for every token, the projection the product computes', () => {
    const table = new ProjectionTable(tensorRows(embedding), layer);
    const looked = table.lookup(ids, [6, 2]);
    const computed = projectInput(embeddingLookup(embedding, ids, [6, 2]) as tf.Tensor3D, layer);
    expect(looked.shape).toEqual([6, 2, 8 * 12]);
    expect(looked.dataSync()).toEqual(computed.dataSync());
  });

  it("computes a token's row once, however many texts use it", () => {
    const table = new ProjectionTable(tensorRows(embedding), layer);
    const first = table.lookup(ids, [6, 2]).dataSync();
    expect(table.size).toBe(new Set(ids).size);
    const again = table.lookup(ids.subarray(0, 6), [3, 2]).dataSync();
    expect(table.size).toBe(new Set(ids).size);
    expect(again).toEqual(first.subarray(0, 6 * 8 * 12));
  });

  it('keeps every row as it grows past the room it starts with', () => {
    const config: ModelConfig = { ...CONFIG, input: { kind: 'tokens', vocabularySize: 1000, embeddingDim: 4, maskZero: true } };
    const weights = createModelWeights(config, initialWeights(config, 5));
    const wide = { embedding: weights[EMBEDDING] as tf.Tensor2D, layer: packRecurrentLayer(weights, 0) };
    const table = new ProjectionTable(tensorRows(wide.embedding), wide.layer);
    const tokens = Int32Array.from({ length: 999 }, (_, i) => 1 + ((i * 379) % 999)); // every id 1..999 once
    const product = (part: Int32Array) =>
      projectInput(embeddingLookup(wide.embedding, part, [part.length, 1]) as tf.Tensor3D, wide.layer).dataSync();
    for (const part of [tokens.subarray(0, 200), tokens.subarray(200, 700), tokens.subarray(700)]) table.lookup(part, [part.length, 1]);
    expect(table.size).toBe(999);
    expect(table.lookup(tokens, [999, 1]).dataSync()).toEqual(product(tokens));
  });

  it('refuses an id outside the vocabulary, keeping the rows it has', () => {
    const table = new ProjectionTable(tensorRows(embedding), layer);
    table.lookup(Int32Array.of(5), [1, 1]);
    expect(() => table.lookup(Int32Array.of(5, 50), [2, 1])).toThrow(/ids\[\d\] = 50 is not a row of a table of 50/);
    expect(() => table.lookup(Int32Array.of(-1), [1, 1])).toThrow(RangeError);
    expect(table.size).toBe(1);
  });
});

describe('the kernel reads each recurrent value once', () => {
  const units = 4;
  const random = createRandom(11);
  const blockDiagonal = () =>
    Float32Array.from({ length: 2 * units * 8 * units }, (_, i) => {
      const row = Math.floor(i / (8 * units));
      return row < units === (i % (8 * units)) % (2 * units) < units ? random() - 0.5 : 0;
    });
  const projectedValues = Float32Array.from({ length: 6 * 2 * 8 * units }, () => random() - 0.5);
  const projected = () => tf.tensor3d(projectedValues, [6, 2, 8 * units]);

  it('a variable assigned new values gives the new answer, not the cached one', () => {
    const recurrent = tf.variable(tf.tensor2d(blockDiagonal(), [2 * units, 8 * units]));
    const first = recurrence(projected(), recurrent, null).dataSync();
    const replacement = tf.tensor2d(blockDiagonal(), [2 * units, 8 * units]);
    recurrent.assign(replacement);
    const second = recurrence(projected(), recurrent, null).dataSync();
    const expected = bidirectionalRecurrence(projected(), replacement, null).dataSync();
    expect(Math.max(...second.map((v, i) => Math.abs(v - first[i])))).toBeGreaterThan(1e-3);
    expect(Math.max(...second.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
  });

  it('repeated calls with one tensor give identical states', () => {
    const recurrent = tf.tensor2d(blockDiagonal(), [2 * units, 8 * units]);
    const first = recurrence(projected(), recurrent, null).dataSync();
    expect(recurrence(projected(), recurrent, null).dataSync()).toEqual(first);
  });
});
