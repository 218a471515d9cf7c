import { decodeArtifact, encodeArtifact, MODEL_JSON_FILE, WEIGHTS_FILE, type WeightPrecision } from '../../shared/artifact';
import modelJson from '../../worker/model/default/model.json';
import weights from '../../worker/model/default/weights.bin';
import type { ModelFiles } from '../../worker/model/model-source';

/** The model bundled into the worker, as the worker imports it. */
export const bundledModel: ModelFiles = { modelJson, weights };

/**
 * A second, valid version of the bundled model: the same tensors stored at
 * another precision, so its weights (and id) differ.
 */
export async function anotherVersion(): Promise<{ modelJson: unknown; weights: Uint8Array }> {
  const { modelJson: manifest, tensors } = await decodeArtifact(modelJson, weights);
  const stored = manifest.weightsManifest[0].weights[0].quantization?.dtype ?? 'float32';
  const precision: WeightPrecision = stored === 'float32' ? 'float16' : 'float32';
  const { modelJson: json, weightsBin } = await encodeArtifact({
    tensors,
    modelTopology: manifest.modelTopology,
    vocabulary: manifest.vocabulary,
    labels: manifest.labels,
    training: manifest.training,
    precision,
  });
  return { modelJson: json, weights: weightsBin };
}

/** Uploads a model to `bucket` as the worker expects it under `MODEL_KEY = key`. */
export async function putModel(bucket: R2Bucket, key: string, files: { modelJson: unknown; weights: ArrayBuffer | Uint8Array }) {
  await bucket.put(`${key}/${MODEL_JSON_FILE}`, JSON.stringify(files.modelJson));
  await bucket.put(`${key}/${WEIGHTS_FILE}`, files.weights);
}

/** `weights` with one byte flipped: what a corrupted upload looks like. */
export function corrupted(weightsBytes: ArrayBuffer | Uint8Array): Uint8Array {
  const copy = new Uint8Array(weightsBytes instanceof Uint8Array ? weightsBytes : new Uint8Array(weightsBytes)).slice();
  copy[Math.floor(copy.length / 2)] ^= 0xff;
  return copy;
}
