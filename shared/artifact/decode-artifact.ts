import type { ArtifactModelJson } from './manifest';
import { weightByteLength } from './manifest';
import { StoredTensor } from './stored-tensor';
import { verifyArtifact } from './verify-artifact';

/**
 * A verified artifact: its typed `model.json` and every tensor, in file
 * order, dequantized to float32 when its values are first read.
 */
export interface DecodedArtifact {
  modelJson: ArtifactModelJson;
  tensors: StoredTensor[];
}

/**
 * Reads an artifact from an untrusted `model.json` (already JSON-parsed) and
 * the bytes of `weights.bin`. Runs anywhere Web Crypto does: the worker can
 * pass its bundled imports straight in.
 *
 * @throws ArtifactError `invalid_manifest`, `truncated_weights`,
 *   `trailing_weights` or `sha256_mismatch` (see `verifyArtifact`)
 *
 * @example
 * ```ts
 * import modelJson from '../artifacts/model.json';
 * import weightsBin from '../artifacts/weights.bin'; // wrangler Data rule: ArrayBuffer
 *
 * const { modelJson: manifest, tensors } = await decodeArtifact(modelJson, weightsBin);
 * const kernel = tensors.find((tensor) => tensor.name === 'lstm/kernel');
 * // { name: 'lstm/kernel', shape: [64, 512], values: Float32Array(32768) }
 * ```
 */
export async function decodeArtifact(modelJson: unknown, weights: ArrayBuffer | Uint8Array): Promise<DecodedArtifact> {
  const manifest = await verifyArtifact(modelJson, weights);
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const tensors: StoredTensor[] = [];
  let offset = 0;
  for (const entry of manifest.weightsManifest[0].weights) {
    const byteLength = weightByteLength(entry);
    tensors.push(new StoredTensor(entry.name, entry.shape, bytes.subarray(offset, offset + byteLength), entry.quantization));
    offset += byteLength;
  }
  return { modelJson: manifest, tensors };
}
