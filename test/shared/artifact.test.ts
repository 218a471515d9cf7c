import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArtifactError,
  decodeArtifact,
  decodeFloat16,
  dequantizeUint8,
  encodeArtifact,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  manifestSha256,
  quantizeUint8,
  sha256Hex,
  type ArtifactErrorCode,
  type EncodeArtifactOptions,
  type NamedTensor,
  type WeightPrecision,
} from '../../shared/artifact';

// tf.io.decodeWeights builds tensors, which needs a backend; tfjs-core ships none.
beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

/** What tfjs itself reads from our bytes: the independent reference. */
function decodeWithTfjs(weightsBin: Uint8Array, specs: tf.io.WeightsManifestEntry[]): Map<string, NamedTensor> {
  const buffer = weightsBin.slice().buffer;
  const decoded = tf.io.decodeWeights(buffer, specs);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, tensor] of Object.entries(decoded)) {
    tensors.set(name, { name, shape: tensor.shape, values: tensor.dataSync() as Float32Array });
    tensor.dispose();
  }
  return tensors;
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.slice().buffer);
}

function baseOptions(tensors: NamedTensor[], precision: EncodeArtifactOptions['precision'] = 'float32'): EncodeArtifactOptions {
  return {
    tensors,
    precision,
    modelTopology: { kind: 'bilstm', units: 4 },
    vocabulary: { tokens: ['<pad>', '<unk>', 'good', 'bad'] },
    labels: ['negative', 'positive'],
    training: { dataset: 'imdb', epochs: 2, valAccuracy: 0.83 },
    createdAt: new Date('2025-01-02T03:04:05.000Z'),
  };
}

async function expectArtifactError(promise: Promise<unknown>, code: ArtifactErrorCode): Promise<ArtifactError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ArtifactError);
  expect((error as ArtifactError).code).toBe(code);
  return error as ArtifactError;
}

const float32Values = (options: { minLength?: number; maxLength?: number; max?: number } = {}) =>
  fc.float32Array({
    minLength: options.minLength ?? 0,
    maxLength: options.maxLength ?? 64,
    noNaN: true,
    noDefaultInfinity: true,
    min: -(options.max ?? 1e6),
    max: options.max ?? 1e6,
  });

describe('sha256Hex', () => {
  it('agrees with node:crypto, including on a view into a larger buffer', async () => {
    const big = new Uint8Array(300_001).map((_, i) => (i * 7919) % 251);
    const inputs = [new Uint8Array(0), new TextEncoder().encode('abc'), big, big.subarray(17, 100_017)];
    for (const input of inputs) {
      expect(await sha256Hex(input)).toBe(createHash('sha256').update(input).digest('hex'));
    }
    expect(await sha256Hex(big.slice(17, 100_017).buffer)).toBe(createHash('sha256').update(big.subarray(17, 100_017)).digest('hex'));
  });
});

describe('float16', () => {
  const allHalves = new Uint16Array(65536).map((_, i) => i);

  it('decodes every one of the 65536 halves exactly as tf.io.decodeWeights does', () => {
    const reference = decodeWithTfjs(new Uint8Array(allHalves.buffer), [
      { name: 'all', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } },
    ]).get('all')!.values;
    const wholeTensor = decodeFloat16(allHalves);
    for (let bits = 0; bits < 65536; bits++) {
      for (const ours of [wholeTensor[bits], float16BitsToFloat32(bits)]) {
        if (Number.isNaN(reference[bits])) expect(ours).toBeNaN();
        else expect(Object.is(ours, reference[bits]), `half 0x${bits.toString(16)}`).toBe(true);
      }
    }
  });

  it('encodes every non-NaN half back to its own bits, including ±0, ±Infinity and subnormals', () => {
    for (const bits of allHalves) {
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (!isNaN) expect(float32ToFloat16Bits(float16BitsToFloat32(bits))).toBe(bits);
    }
  });

  it('rounds to the nearest half, ties to even, symmetric in sign', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: 0, max: 65504 }), (value) => {
        const bits = float32ToFloat16Bits(value);
        const error = Math.abs(value - float16BitsToFloat32(bits));
        for (const neighbour of [bits - 1, bits + 1].filter((b) => b >= 0 && b <= 0x7bff)) {
          const neighbourError = Math.abs(value - float16BitsToFloat32(neighbour));
          expect(error).toBeLessThanOrEqual(neighbourError);
          if (error === neighbourError) expect(bits % 2).toBe(0);
        }
        expect(float32ToFloat16Bits(-value)).toBe(bits | 0x8000);
      }),
      { numRuns: 5000 },
    );
  });

  it('rounds each midpoint between neighbouring halves to the even one, and the floats beside it to the nearer', () => {
    const float32Step = (value: number, step: 1 | -1) => new Float32Array(new Uint32Array([bitsOf(new Float32Array([value]))[0] + step]).buffer)[0];
    for (let bits = 0; bits < 0x7bff; bits++) {
      const midpoint = (float16BitsToFloat32(bits) + float16BitsToFloat32(bits + 1)) / 2;
      expect(float32ToFloat16Bits(midpoint)).toBe(bits % 2 === 0 ? bits : bits + 1);
      expect(float32ToFloat16Bits(float32Step(midpoint, -1))).toBe(bits);
      expect(float32ToFloat16Bits(float32Step(midpoint, 1))).toBe(bits + 1);
    }
  });

  it('rounds at the edges of the range like IEEE 754', () => {
    expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff); // 65504
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // +Infinity
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // a tie between 0 and the smallest subnormal: even wins
    expect(float32ToFloat16Bits(2 ** -25 * 1.0001)).toBe(1);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // a tie between 1 and the next half: even wins
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7fff).toBeGreaterThan(0x7c00);
  });
});

describe('quantizeUint8', () => {
  it('reproduces the example documented in tfjs-converter (write_weights.py)', () => {
    const { quantized, min, scale } = quantizeUint8(new Float32Array([0, -0.1, 1.2]));
    expect([...quantized]).toEqual([20, 0, 255]);
    expect(min).toBeCloseTo(-0.10196078817, 10);
    expect(scale).toBeCloseTo(0.00509803940852, 13);
  });

  it('decodes every value to within scale / 2, and every zero to exactly zero', () => {
    fc.assert(
      fc.property(float32Values({ minLength: 1 }), fc.array(fc.nat(), { maxLength: 5 }), (drawn, zeroSlots) => {
        const values = new Float32Array(drawn);
        for (const slot of zeroSlots) values[slot % values.length] = 0;
        const { quantized, min, scale } = quantizeUint8(values);
        const decoded = dequantizeUint8(quantized, { min, scale });
        for (let i = 0; i < values.length; i++) {
          // The decoded value is rounded to float32 once more, hence the last term.
          const float32Rounding = Math.max(Math.abs(values[i]), Math.abs(decoded[i])) * 2 ** -24;
          expect(Math.abs(decoded[i] - values[i])).toBeLessThanOrEqual(scale / 2 + float32Rounding);
          if (values[i] === 0) expect(decoded[i]).toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a positive constant', new Float32Array([3.25, 3.25, 3.25])],
    ['a negative constant', new Float32Array([-0.7, -0.7])],
    ['all zeros', new Float32Array(5)],
    ['a single value', new Float32Array([1e-30])],
  ])('decodes %s exactly, with no NaN', (_, values) => {
    const { quantized, min, scale } = quantizeUint8(values);
    expect(Number.isFinite(min) && Number.isFinite(scale) && scale > 0).toBe(true);
    expect(dequantizeUint8(quantized, { min, scale })).toEqual(values);
  });

  it('keeps the exact range when it does not contain zero', () => {
    const values = new Float32Array([0.5, 0.75, 2]);
    const { quantized, min, scale } = quantizeUint8(values);
    expect(min).toBe(0.5);
    expect(dequantizeUint8(quantized, { min, scale })[2]).toBe(2);
  });

  it('refuses NaN and infinities', () => {
    expect(() => quantizeUint8(new Float32Array([1, Number.NaN]))).toThrow(RangeError);
    expect(() => quantizeUint8(new Float32Array([Infinity]))).toThrow(RangeError);
  });
});

describe('encodeArtifact and decodeArtifact', () => {
  // Odd sizes put later tensors at unaligned offsets, and a scalar and an empty tensor sit in between.
  const mixedTensors = fc.record({
    kernel: float32Values({ minLength: 15, maxLength: 15, max: 4 }),
    bias: float32Values({ minLength: 3, maxLength: 3, max: 4 }),
    scalar: float32Values({ minLength: 1, maxLength: 1, max: 4 }),
    embedding: float32Values({ minLength: 14, maxLength: 14, max: 60000 }),
  });
  const toTensors = (drawn: { kernel: Float32Array; bias: Float32Array; scalar: Float32Array; embedding: Float32Array }): NamedTensor[] => [
    { name: 'bias', shape: [3], values: drawn.bias },
    { name: 'kernel', shape: [3, 5], values: drawn.kernel },
    { name: 'empty', shape: [0, 4], values: new Float32Array(0) },
    { name: 'scalar', shape: [], values: drawn.scalar },
    { name: 'embedding', shape: [7, 2], values: drawn.embedding },
  ];
  const precisions: Record<string, WeightPrecision> = {
    bias: 'uint8',
    kernel: 'float16',
    empty: 'uint8',
    scalar: 'float32',
    embedding: 'uint8',
  };

  it('writes bytes that tf.io.decodeWeights reads to exactly the values we decode', async () => {
    await fc.assert(
      fc.asyncProperty(mixedTensors, async (drawn) => {
        const tensors = toTensors(drawn);
        const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors, (t) => precisions[t.name]));
        const ours = await decodeArtifact(modelJson, weightsBin);
        const reference = decodeWithTfjs(weightsBin, modelJson.weightsManifest[0].weights);

        expect(ours.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
        for (const tensor of ours.tensors) {
          const expected = reference.get(tensor.name)!;
          expect(tensor.shape).toEqual(expected.shape);
          expect(bitsOf(tensor.values)).toEqual(bitsOf(expected.values));
        }
      }),
      { numRuns: 50 },
    );
  });

  it("reads a tensor's rows, before or without its values, as tf.io.decodeWeights decodes them", async () => {
    await fc.assert(
      fc.asyncProperty(mixedTensors, fc.array(fc.nat(6), { maxLength: 9 }), async (drawn, picks) => {
        const { modelJson, weightsBin } = await encodeArtifact(baseOptions(toTensors(drawn), (t) => precisions[t.name]));
        const reference = decodeWithTfjs(weightsBin, modelJson.weightsManifest[0].weights);
        for (const tensor of (await decodeArtifact(modelJson, weightsBin)).tensors) {
          const width = tensor.shape.at(-1) ?? 1;
          // From the shape: reading `values` here would make rows() copy from them.
          const rowCount = width === 0 ? 0 : tensor.shape.reduce((a, b) => a * b, 1) / width;
          const ids = Int32Array.from(picks.filter((id) => id < rowCount));
          const expected = reference.get(tensor.name)!.values;
          const picked = Float32Array.from([...ids].flatMap((id) => [...expected.subarray(id * width, (id + 1) * width)]));
          expect(bitsOf(tensor.rows(ids))).toEqual(bitsOf(picked));
        }
      }),
      { numRuns: 50 },
    );
    const { modelJson, weightsBin } = await encodeArtifact(baseOptions(toTensors(fc.sample(mixedTensors, { numRuns: 1, seed: 3 })[0]), 'uint8'));
    const embedding = (await decodeArtifact(modelJson, weightsBin)).tensors.find((t) => t.name === 'embedding')!;
    expect(() => embedding.rows(Int32Array.of(2, 7))).toThrow('embedding: ids[1] = 7 is not one of its 7 rows');
    expect(() => embedding.rows(Int32Array.of(-1))).toThrow(RangeError);
  });

  it('restores float32 exactly, float16 to the nearest half, and uint8 to within scale / 2', async () => {
    const [drawn] = fc.sample(mixedTensors, { numRuns: 1, seed: 7 });
    const tensors = toTensors(drawn);
    const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors, (t) => precisions[t.name]));
    const decoded = new Map((await decodeArtifact(modelJson, weightsBin)).tensors.map((t) => [t.name, t]));
    const entries = new Map(modelJson.weightsManifest[0].weights.map((entry) => [entry.name, entry]));

    for (const tensor of tensors) {
      const values = decoded.get(tensor.name)!.values;
      const quantization = entries.get(tensor.name)!.quantization;
      if (quantization === undefined) expect(values).toEqual(tensor.values);
      else if (quantization.dtype === 'float16') {
        expect([...values]).toEqual([...tensor.values].map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))));
      } else {
        tensor.values.forEach((v, i) => expect(Math.abs(values[i] - v)).toBeLessThanOrEqual(quantization.scale / 2 + Math.abs(v) * 2 ** -23));
      }
    }
    expect(entries.get('scalar')!.quantization).toBeUndefined();
    expect(entries.get('kernel')!.quantization).toEqual({ dtype: 'float16', original_dtype: 'float32' });
    expect(entries.get('bias')!.quantization).toMatchObject({ dtype: 'uint8', original_dtype: 'float32' });
    expect(weightsBin.length).toBe(3 + 15 * 2 + 0 + 4 + 14);
  });

  it('writes float32 weights byte for byte as tf.io.encodeWeights does', async () => {
    const tensors: NamedTensor[] = [
      { name: 'a', shape: [2, 3], values: new Float32Array([1, -2.5, 3e-8, 0, -0, 1e30]) },
      { name: 'b', shape: [], values: new Float32Array([Math.PI]) },
    ];
    const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors));
    const reference = await tf.io.encodeWeights(
      tensors.map((t) => ({ name: t.name, tensor: tf.tensor(t.values, t.shape, 'float32') })),
    );
    expect(weightsBin).toEqual(new Uint8Array(reference.data as ArrayBuffer));
    expect(modelJson.weightsManifest[0].weights).toEqual(reference.specs);
  });

  it('keeps the metadata, as plain JSON that survives a file round trip', async () => {
    const options = baseOptions([{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }]);
    const { modelJson } = await encodeArtifact(options);
    expect(JSON.parse(JSON.stringify(modelJson))).toEqual(modelJson);
    expect(modelJson).toMatchObject({
      format: 'bilstm-edge',
      formatVersion: 1,
      labels: options.labels,
      vocabulary: options.vocabulary,
      modelTopology: options.modelTopology,
      training: options.training,
      createdAt: '2025-01-02T03:04:05.000Z',
      weightsManifest: [{ paths: ['weights.bin'] }],
    });
  });

  it('reads weights given as an ArrayBuffer, a view into a larger buffer, or a Node Buffer', async () => {
    const tensors: NamedTensor[] = [
      { name: 'w', shape: [3], values: new Float32Array([0.5, -1, 2]) },
      { name: 'v', shape: [2], values: new Float32Array([4, 8]) },
    ];
    const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors));
    const padded = new Uint8Array(weightsBin.length + 5);
    padded.set(weightsBin, 3);
    // Buffer#slice shares memory instead of copying; readFile hands out such Buffers.
    const nodeBuffer = Buffer.concat([Buffer.alloc(3, 0xff), Buffer.from(weightsBin)]).subarray(3);
    for (const weights of [weightsBin.slice().buffer, padded.subarray(3, 3 + weightsBin.length), nodeBuffer]) {
      expect((await decodeArtifact(modelJson, weights)).tensors).toEqual(tensors);
    }
  });

  describe('rejects a weights file that does not belong to its model.json', () => {
    const tensors: NamedTensor[] = [
      { name: 'w', shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) },
      { name: 'v', shape: [3], values: new Float32Array([0.1, 0.2, 0.3]) },
    ];

    it('a flipped byte: sha256_mismatch', async () => {
      const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors, 'uint8'));
      const tampered = weightsBin.slice();
      tampered[4] ^= 0x01;
      const error = await expectArtifactError(decodeArtifact(modelJson, tampered), 'sha256_mismatch');
      expect(error.message).toContain(modelJson.weightsSha256);
    });

    it('a missing last byte, or no bytes at all: truncated_weights', async () => {
      const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors, 'float16'));
      const error = await expectArtifactError(decodeArtifact(modelJson, weightsBin.subarray(0, -1)), 'truncated_weights');
      expect(error.message).toBe('weights.bin has 13 bytes but model.json describes 14');
      await expectArtifactError(decodeArtifact(modelJson, new Uint8Array(0)), 'truncated_weights');
    });

    it('an extra byte: trailing_weights', async () => {
      const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors));
      const longer = new Uint8Array(weightsBin.length + 1);
      longer.set(weightsBin);
      await expectArtifactError(decodeArtifact(modelJson, longer), 'trailing_weights');
    });

    it('a manifest claiming a larger tensor: manifest_sha256_mismatch, or truncated_weights once resealed', async () => {
      const { modelJson, weightsBin } = await encodeArtifact(baseOptions(tensors));
      const enlarged = structuredClone(modelJson);
      enlarged.weightsManifest[0].weights[1].shape = [4];
      await expectArtifactError(decodeArtifact(enlarged, weightsBin), 'manifest_sha256_mismatch');
      // What a buggy writer would produce: a consistent model.json describing bytes that are not there.
      enlarged.manifestSha256 = await manifestSha256(enlarged as unknown as Record<string, unknown>);
      await expectArtifactError(decodeArtifact(enlarged, weightsBin), 'truncated_weights');
    });
  });

  describe('rejects an invalid model.json, naming the field', () => {
    type Edit = (json: Record<string, any>) => void;
    const weight = (json: Record<string, any>, index: number) => json.weightsManifest[0].weights[index];
    const cases: Array<[string, Edit, string]> = [
      ['a shape that is a string', (json) => (weight(json, 1).shape = '3'), 'weightsManifest[0].weights[1].shape'],
      ['a negative dimension', (json) => (weight(json, 0).shape = [-2, -2]), 'weightsManifest[0].weights[0].shape[0]'],
      ['a fractional dimension', (json) => (weight(json, 1).shape = [1.5]), 'weightsManifest[0].weights[1].shape[0]'],
      ['dtype int32', (json) => (weight(json, 0).dtype = 'int32'), 'weightsManifest[0].weights[0].dtype'],
      ['a missing dtype', (json) => delete weight(json, 0).dtype, 'weightsManifest[0].weights[0].dtype'],
      ['an unknown quantization', (json) => (weight(json, 0).quantization = { dtype: 'int4', original_dtype: 'float32' }), 'weightsManifest[0].weights[0].quantization.dtype'],
      ['uint8 without scale', (json) => delete weight(json, 0).quantization.scale, 'weightsManifest[0].weights[0].quantization.scale'],
      ['a duplicate weight name', (json) => (weight(json, 1).name = 'w'), 'weightsManifest[0].weights[1].name'],
      ['another weights file', (json) => (json.weightsManifest[0].paths = ['group1-shard1of1.bin']), 'weightsManifest[0].paths[0]'],
      ['two weight groups', (json) => json.weightsManifest.push(json.weightsManifest[0]), 'weightsManifest'],
      ['missing labels', (json) => delete json.labels, 'labels'],
      ['duplicate labels', (json) => (json.labels = ['pos', 'pos']), 'labels'],
      ['missing vocabulary', (json) => delete json.vocabulary, 'vocabulary'],
      ['missing weightsSha256', (json) => delete json.weightsSha256, 'weightsSha256'],
      ['an uppercase sha256', (json) => (json.weightsSha256 = json.weightsSha256.toUpperCase()), 'weightsSha256'],
      ['missing manifestSha256', (json) => delete json.manifestSha256, 'manifestSha256'],
      ['a newer formatVersion', (json) => (json.formatVersion = 2), 'formatVersion'],
      ['another format', (json) => (json.format = 'layers-model'), 'format'],
      ['a createdAt that is not a date', (json) => (json.createdAt = 'yesterday'), 'createdAt'],
    ];

    it.each(cases)('%s', async (_, edit, field) => {
      const { modelJson, weightsBin } = await encodeArtifact(
        baseOptions(
          [
            { name: 'w', shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) },
            { name: 'v', shape: [3], values: new Float32Array([0.1, 0.2, 0.3]) },
          ],
          'uint8',
        ),
      );
      const edited = structuredClone(modelJson) as unknown as Record<string, any>;
      edit(edited);
      const error = await expectArtifactError(decodeArtifact(edited, weightsBin), 'invalid_manifest');
      expect(error.field).toBe(field);
      expect(error.message).toContain(`${field}:`);
    });

    it.each([null, 'model.json', [1, 2], 42])('%j instead of an object', async (input) => {
      await expectArtifactError(decodeArtifact(input, new Uint8Array(0)), 'invalid_manifest');
    });
  });

  describe('refuses tensors it cannot store faithfully', () => {
    const cases: Array<[string, NamedTensor[], WeightPrecision, string]> = [
      ['too few values for the shape', [{ name: 'w', shape: [2, 3], values: new Float32Array(5) }], 'float32', 'tensor "w": shape [2, 3] needs 6 values, got 5'],
      ['NaN', [{ name: 'w', shape: [2], values: new Float32Array([1, Number.NaN]) }], 'float32', 'tensor "w" as float32: value NaN at index 1 is not finite'],
      ['Infinity', [{ name: 'w', shape: [1], values: new Float32Array([-Infinity]) }], 'uint8', 'tensor "w" as uint8: value -Infinity at index 0 is not finite'],
      ['a value beyond float16', [{ name: 'w', shape: [2], values: new Float32Array([1, 70000]) }], 'float16', 'tensor "w" as float16: value 70000 at index 1 is beyond the float16 range (±65504)'],
      ['a duplicate name', [{ name: 'w', shape: [], values: new Float32Array(1) }, { name: 'w', shape: [], values: new Float32Array(1) }], 'float32', 'duplicate tensor name "w"'],
      ['an empty name', [{ name: '', shape: [], values: new Float32Array(1) }], 'float32', 'tensor names must be non-empty strings, got ""'],
      ['a negative dimension', [{ name: 'w', shape: [-1], values: new Float32Array(0) }], 'float32', 'tensor "w": shape must be non-negative integers, got [-1]'],
    ];

    it.each(cases)('%s', async (_, tensors, precision, message) => {
      const error = await expectArtifactError(encodeArtifact(baseOptions(tensors, precision)), 'invalid_tensor');
      expect(error.message).toBe(message);
    });

    it('keeps 65504, the largest half, as float16', async () => {
      const { modelJson, weightsBin } = await encodeArtifact(
        baseOptions([{ name: 'w', shape: [2], values: new Float32Array([65504, -65510]) }], 'float16'),
      );
      expect([...(await decodeArtifact(modelJson, weightsBin)).tensors[0].values]).toEqual([65504, -65504]);
    });

    it('rejects invalid labels as invalid_manifest', async () => {
      const options = { ...baseOptions([]), labels: ['positive', ''] };
      const error = await expectArtifactError(encodeArtifact(options), 'invalid_manifest');
      expect(error.field).toBe('labels[1]');
    });
  });
});
