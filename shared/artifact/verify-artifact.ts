import { ArtifactError } from './errors';
import { MODEL_JSON_FILE, WEIGHTS_FILE, parseModelJson, weightByteLength, type ArtifactModelJson } from './manifest';
import { manifestSha256 } from './manifest-sha256';
import { sha256Hex } from './sha256';

/**
 * Checks that `model.json` is intact and that `weights.bin` belongs to it,
 * without decoding any tensor: the manifest is valid and hashes to its
 * `manifestSha256`, the byte count matches its shapes, and the bytes hash to
 * `weightsSha256`. The manifest is checked first, since its shapes decide
 * the expected length; lengths before the weights' hash, so that a
 * truncated download is reported as such rather than as a bad hash.
 *
 * @throws ArtifactError `invalid_manifest`, `manifest_sha256_mismatch`,
 *   `truncated_weights`, `trailing_weights` or `sha256_mismatch`
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
  // Over the input as given: the parsed manifest has dropped any field the schema does not know.
  const actualManifestSha256 = await manifestSha256(modelJson as Record<string, unknown>);
  if (actualManifestSha256 !== manifest.manifestSha256) {
    throw new ArtifactError(
      'manifest_sha256_mismatch',
      `${MODEL_JSON_FILE} was changed after it was written: its content hashes to ${actualManifestSha256} but its manifestSha256 is ${manifest.manifestSha256}`,
    );
  }
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
