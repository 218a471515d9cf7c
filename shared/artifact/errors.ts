/**
 * What went wrong while reading or writing a model artifact, so that callers
 * can react to the cause (refuse to serve, retrain) without parsing messages.
 */
export type ArtifactErrorCode =
  /** `model.json` is not a valid artifact manifest; `field` names the culprit. */
  | 'invalid_manifest'
  /** `weights.bin` holds fewer bytes than the manifest's shapes require. */
  | 'truncated_weights'
  /** `weights.bin` holds more bytes than the manifest's shapes describe. */
  | 'trailing_weights'
  /** The bytes of `weights.bin` do not hash to the manifest's `weightsSha256`. */
  | 'sha256_mismatch'
  /** `model.json` was edited or corrupted after it was written: it does not hash to its `manifestSha256`. */
  | 'manifest_sha256_mismatch'
  /** A tensor handed to the encoder cannot be stored (bad shape, NaN, float16 overflow). */
  | 'invalid_tensor'
  /** An artifact file is missing from its directory. */
  | 'missing_file';

/**
 * The one error type thrown by the artifact reader and writer.
 *
 * @example
 * ```ts
 * try {
 *   await decodeArtifact(modelJson, weights);
 * } catch (error) {
 *   if (error instanceof ArtifactError && error.code === 'sha256_mismatch') {
 *     console.error('weights.bin does not belong to this model.json');
 *   }
 *   throw error;
 * }
 * ```
 */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  readonly code: ArtifactErrorCode;
  /** Path of the offending field, e.g. `weightsManifest[0].weights[2].shape`. */
  readonly field?: string;

  constructor(code: ArtifactErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.field = options.field;
  }
}
