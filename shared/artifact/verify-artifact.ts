import { ArtifactError } from './errors';
import { MODEL_JSON_FILE, WEIGHTS_FILE, parseModelJson, weightByteLength, type ArtifactModelJson } from './manifest';
import { sha256Hex } from './sha256';

/**
 * Checks that `weights.bin` belongs to `model.json` without decoding any
 * tensor: the manifest is valid, the byte count matches its shapes, and the
 * bytes hash to `weightsSha256`. Lengths are checked first so that a
 * truncated download is reported as such rather than as a bad hash.
 *
 * @throws ArtifactError `invalid_manifest`, `truncated_weights`,
 *   `trailing_weights` or `sha256_mismatch`
 *
 * @example
 * ```ts
 * const { modelJson, weightsBin } = await encodeArtifact(options);
 * await verifyArtifact(modelJson, weightsBin); // resolves to the typed model.json
 * weightsBin[0] ^= 1;
 * await verifyArtifact(modelJson, weightsBin); // rejects with code 'sha256_mismatch'
 * ```
 */
export async function verifyArtifact(
  modelJson: unknown,
  weights: ArrayBuffer | Uint8Array,
): Promise<ArtifactModelJson> {
  const manifest = parseModelJson(modelJson);
  const expectedBytes = manifest.weightsManifest[0].weights.reduce((sum, entry) => sum + weightByteLength(entry), 0);
  if (weights.byteLength < expectedBytes) {
    throw new ArtifactError(
      'truncated_weights',
      `${WEIGHTS_FILE} has ${weights.byteLength} bytes but ${MODEL_JSON_FILE} describes ${expectedBytes}`,
    );
  }
  if (weights.byteLength > expectedBytes) {
    throw new ArtifactError(
      'trailing_weights',
      `${WEIGHTS_FILE} has ${weights.byteLength} bytes but ${MODEL_JSON_FILE} describes only ${expectedBytes}`,
    );
  }
  const actualSha256 = await sha256Hex(weights);
  if (actualSha256 !== manifest.weightsSha256) {
    throw new ArtifactError(
      'sha256_mismatch',
      `${WEIGHTS_FILE} hashes to ${actualSha256} but ${MODEL_JSON_FILE} expects ${manifest.weightsSha256}`,
    );
  }
  return manifest;
}
