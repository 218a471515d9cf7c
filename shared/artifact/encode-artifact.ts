import { ArtifactError } from './errors';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  MODEL_JSON_FILE,
  WEIGHTS_FILE,
  parseModelJson,
  type ArtifactModelJson,
  type WeightEntry,
} from './manifest';
import { elementCount, type NamedTensor } from './named-tensor';
import { MANIFEST_SHA256_FIELD, manifestSha256 } from './manifest-sha256';
import { quantizeTensor, type QuantizedTensor, type WeightPrecision } from './quantize';
import { sha256Hex } from './sha256';

/** Everything that goes into an artifact. */
export interface EncodeArtifactOptions {
  /** Weights in the order they are written to `weights.bin`; names must be unique. */
  tensors: readonly NamedTensor[];
  /** The model's own configuration; must survive `JSON.stringify`. */
  modelTopology: Record<string, unknown>;
  /** The tokenizer's state; must survive `JSON.stringify`. */
  vocabulary: unknown;
  /** Class names, indexed by the model's output units; unique and non-empty. */
  labels: readonly string[];
  /** Metadata about the training run. */
  training?: Record<string, unknown>;
  /** One precision for every tensor, or one chosen per tensor. Default `'float32'`. */
  precision?: WeightPrecision | ((tensor: NamedTensor) => WeightPrecision);
  /** Default: now. Pass a fixed date to get byte-identical `model.json` files. */
  createdAt?: Date;
}

/** The two files of an artifact: `model.json` as an object, `weights.bin` as bytes. */
export interface EncodedArtifact {
  modelJson: ArtifactModelJson;
  weightsBin: Uint8Array;
}

/**
 * Packs named float32 tensors and the model's metadata into `model.json` and
 * `weights.bin`. The returned `modelJson` has been through `JSON.stringify`
 * and the reader's own validation, so it is exactly what readers will see.
 *
 * @throws ArtifactError `invalid_tensor` when a tensor has a bad name or
 *   shape, NaN or infinite values, or values beyond float16's range while
 *   stored as float16; `invalid_manifest` when the metadata is invalid
 *
 * @example
 * ```ts
 * const { modelJson, weightsBin } = await encodeArtifact({
 *   tensors: [
 *     { name: 'embedding', shape: [20000, 64], values: embedding },
 *     { name: 'dense/bias', shape: [2], values: bias },
 *   ],
 *   modelTopology: { vocabularySize: 20000, embeddingSize: 64, units: 64 },
 *   vocabulary: { tokens },
 *   labels: ['negative', 'positive'],
 *   precision: (tensor) => (tensor.name === 'embedding' ? 'uint8' : 'float32'),
 * });
 * modelJson.weightsManifest[0].weights[0].quantization;
 * // { dtype: 'uint8', min: -0.31..., scale: 0.0024..., original_dtype: 'float32' }
 * ```
 */
export async function encodeArtifact(options: EncodeArtifactOptions): Promise<EncodedArtifact> {
  const { precision = 'float32' } = options;
  const precisionOf = typeof precision === 'function' ? precision : () => precision;
  const entries: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  const names = new Set<string>();
  for (const tensor of options.tensors) {
    assertWellFormed(tensor, names);
    names.add(tensor.name);
    const stored = quantizeNamed(tensor, precisionOf(tensor));
    entries.push({ name: tensor.name, shape: [...tensor.shape], dtype: 'float32', quantization: stored.quantization });
    chunks.push(stored.bytes);
  }
  const weightsBin = concatenate(chunks);

  // Small fields first and the bulky vocabulary last keep model.json readable by eye.
  const candidate = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    weightsSha256: await sha256Hex(weightsBin),
    // Filled in below, over the JSON that readers will see; a placeholder keeps the field's place.
    [MANIFEST_SHA256_FIELD]: '',
    labels: options.labels,
    training: options.training,
    modelTopology: options.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: entries }],
    vocabulary: options.vocabulary,
  };
  const written = jsonRoundTrip(candidate) as Record<string, unknown>;
  written[MANIFEST_SHA256_FIELD] = await manifestSha256(written);
  return { modelJson: parseModelJson(written), weightsBin };
}

function assertWellFormed(tensor: NamedTensor, earlierNames: ReadonlySet<string>): void {
  const { name, shape, values } = tensor;
  if (typeof name !== 'string' || name === '') {
    throw new ArtifactError('invalid_tensor', `tensor names must be non-empty strings, got ${JSON.stringify(name)}`);
  }
  if (earlierNames.has(name)) throw new ArtifactError('invalid_tensor', `duplicate tensor name "${name}"`);
  if (!Array.isArray(shape) || !shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
    throw new ArtifactError('invalid_tensor', `tensor "${name}": shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!(values instanceof Float32Array)) throw new ArtifactError('invalid_tensor', `tensor "${name}": values must be a Float32Array`);
  if (values.length !== elementCount(shape)) {
    throw new ArtifactError(
      'invalid_tensor',
      `tensor "${name}": shape [${shape.join(', ')}] needs ${elementCount(shape)} values, got ${values.length}`,
    );
  }
}

function quantizeNamed(tensor: NamedTensor, precision: WeightPrecision): QuantizedTensor {
  try {
    return quantizeTensor(tensor.values, precision);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ArtifactError('invalid_tensor', `tensor "${tensor.name}" as ${precision}: ${error.message}`, { cause: error });
  }
}

function concatenate(chunks: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

function jsonRoundTrip(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value));
  } catch (error) {
    throw new ArtifactError('invalid_manifest', `${MODEL_JSON_FILE} metadata is not JSON-serialisable: ${String(error)}`, {
      cause: error,
    });
  }
}
