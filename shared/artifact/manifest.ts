import * as z from 'zod';
import { ArtifactError } from './errors';
import { elementCount } from './named-tensor';

/** Value of `format` in every model.json this project writes. */
export const ARTIFACT_FORMAT = 'bilstm-edge';
/** Bumped whenever a reader of the previous version would misread the files. */
export const ARTIFACT_FORMAT_VERSION = 1;
/** File names inside an artifact directory. */
export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/**
 * How a float32 weight was stored, named exactly as in tfjs's
 * `WeightsManifestEntry.quantization` and tfjs-converter's output, so that
 * `tf.io.decodeWeights` reads our `weights.bin` too.
 */
export type WeightQuantization =
  | { dtype: 'uint8'; min: number; scale: number; original_dtype: 'float32' }
  | { dtype: 'float16'; original_dtype: 'float32' };

/** One tensor of `weights.bin`, in file order; a tfjs `WeightsManifestEntry`. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: WeightQuantization;
}

/** The single group of a version-1 artifact: every weight, in one file. */
export interface WeightsGroup {
  paths: [typeof WEIGHTS_FILE];
  weights: WeightEntry[];
}

/**
 * The contents of `model.json`. The layout follows tfjs's `ModelJSON`
 * (`modelTopology` plus a `weightsManifest`); the other fields are ours.
 * `modelTopology`, `vocabulary` and `training` are opaque here: the model,
 * tokenizer and trainer validate their own parts.
 */
export interface ArtifactModelJson {
  format: typeof ARTIFACT_FORMAT;
  formatVersion: typeof ARTIFACT_FORMAT_VERSION;
  /** ISO 8601 time at which the artifact was encoded. */
  createdAt: string;
  /** SHA-256 of `weights.bin`, 64 lowercase hex digits. */
  weightsSha256: string;
  /** SHA-256 of this `model.json` without this field (see `manifestSha256`), 64 lowercase hex digits. */
  manifestSha256: string;
  /** Class names, indexed by the model's output units. */
  labels: string[];
  /** Metadata about the training run (data set, epochs, metrics). */
  training?: Record<string, unknown>;
  modelTopology: Record<string, unknown>;
  weightsManifest: [WeightsGroup];
  vocabulary: unknown;
}

const jsonObject = z.record(z.string(), z.unknown());

const weightQuantizationSchema = z.discriminatedUnion('dtype', [
  z.object({
    dtype: z.literal('uint8'),
    min: z.number(),
    scale: z.number().positive(),
    original_dtype: z.literal('float32'),
  }),
  z.object({ dtype: z.literal('float16'), original_dtype: z.literal('float32') }),
]);

const weightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.int().nonnegative()),
  dtype: z.literal('float32'),
  quantization: weightQuantizationSchema.optional(),
});

const weightsGroupSchema = z.object({
  paths: z.tuple([z.literal(WEIGHTS_FILE)]),
  weights: z.array(weightEntrySchema).check((context) => {
    const seen = new Set<string>();
    context.value.forEach((entry, index) => {
      if (seen.has(entry.name)) {
        context.issues.push({
          code: 'custom',
          input: entry.name,
          path: [index, 'name'],
          message: `duplicate weight name "${entry.name}"`,
        });
      }
      seen.add(entry.name);
    });
  }),
});

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

const modelJsonSchema: z.ZodType<ArtifactModelJson> = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  formatVersion: z.literal(ARTIFACT_FORMAT_VERSION),
  createdAt: z.iso.datetime(),
  weightsSha256: sha256Schema,
  manifestSha256: sha256Schema,
  labels: z
    .array(z.string().min(1))
    .min(1)
    .refine((labels) => new Set(labels).size === labels.length, 'labels must be unique'),
  training: jsonObject.optional(),
  modelTopology: jsonObject,
  weightsManifest: z.tuple([weightsGroupSchema]),
  vocabulary: z.unknown().refine((value) => value !== undefined, 'required'),
});

/**
 * Checks an untrusted, already JSON-parsed `model.json` and returns it typed.
 *
 * @throws ArtifactError `invalid_manifest`, with `field` set to the path of the
 *   first bad field and every problem listed in the message
 *
 * @example
 * ```ts
 * const modelJson = parseModelJson(JSON.parse(text));
 * modelJson.labels; // ['negative', 'positive']
 * parseModelJson({ ...modelJson, formatVersion: 2 });
 * // throws ArtifactError: invalid model.json: formatVersion: Invalid input: expected 1
 * ```
 */
export function parseModelJson(input: unknown): ArtifactModelJson {
  const result = modelJsonSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
  throw new ArtifactError('invalid_manifest', `invalid ${MODEL_JSON_FILE}: ${problems.join('; ')}`, {
    field: formatPath(result.error.issues[0].path),
    cause: result.error,
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * Bytes a weight occupies in `weights.bin`: 4, 2 or 1 per element for
 * float32, float16 and uint8.
 *
 * @example
 * ```ts
 * weightByteLength({ name: 'w', shape: [3, 4], dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } });
 * // 24
 * ```
 */
export function weightByteLength(entry: WeightEntry): number {
  const bytesPerElement = entry.quantization === undefined ? 4 : entry.quantization.dtype === 'float16' ? 2 : 1;
  return elementCount(entry.shape) * bytesPerElement;
}
