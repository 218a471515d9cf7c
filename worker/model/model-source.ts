import { MODEL_JSON_FILE, WEIGHTS_FILE } from '../../shared/artifact';
import type { Bindings } from '../bindings';

/** A model artifact as `Classifier.load` takes it. */
export interface ModelFiles {
  /** `model.json`, parsed. */
  modelJson: unknown;
  /** `weights.bin`. */
  weights: ArrayBuffer | Uint8Array;
}

/** Where the model comes from: the bundle or a folder of the R2 bucket. */
export interface ModelSource {
  /** Names the source, so that a loaded model is reused only for the same one. */
  key: string;
  read(): Promise<ModelFiles>;
}

/**
 * The source that `env` asks for: the folder `MODEL_KEY` of `MODEL_BUCKET`
 * when `MODEL_KEY` is set, else the model bundled into the worker.
 *
 * @throws Error when `MODEL_KEY` is set but no `MODEL_BUCKET` is bound
 *
 * @example
 * ```ts
 * modelSource({ MODEL_BUCKET: bucket, MODEL_KEY: 'models/v2' }, bundled).key; // 'r2:models/v2'
 * modelSource({}, bundled).key; // 'bundled'
 * ```
 */
export function modelSource(env: Bindings, bundled: ModelFiles): ModelSource {
  const key = env.MODEL_KEY?.trim().replace(/\/+$/, '');
  if (!key) return { key: 'bundled', read: async () => bundled };
  const bucket = env.MODEL_BUCKET;
  if (bucket === undefined) {
    throw new Error(`MODEL_KEY is "${key}" but no R2 bucket is bound as MODEL_BUCKET`);
  }
  return { key: `r2:${key}`, read: () => readFromBucket(bucket, key) };
}

async function readFromBucket(bucket: R2Bucket, folder: string): Promise<ModelFiles> {
  const [modelJson, weights] = await Promise.all([
    getObject(bucket, `${folder}/${MODEL_JSON_FILE}`),
    getObject(bucket, `${folder}/${WEIGHTS_FILE}`),
  ]);
  return { modelJson: parseJson(await modelJson.text(), modelJson.key), weights: await weights.arrayBuffer() };
}

async function getObject(bucket: R2Bucket, key: string): Promise<R2ObjectBody> {
  const object = await bucket.get(key);
  if (object === null) throw new Error(`R2 object ${key} not found in MODEL_BUCKET`);
  return object;
}

function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`R2 object ${key} is not JSON: ${(error as Error).message}`);
  }
}
