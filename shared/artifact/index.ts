/**
 * The model artifact: `model.json` (a tfjs-style weights manifest plus our
 * model, vocabulary and labels) and `weights.bin` (the tensors, each float32,
 * float16 or uint8). Training writes it; the worker and browsers read it.
 * Nothing here needs Node or tfjs.
 */
export { decodeArtifact, type DecodedArtifact } from './decode-artifact';
export { encodeArtifact, type EncodeArtifactOptions, type EncodedArtifact } from './encode-artifact';
export { ArtifactError, type ArtifactErrorCode } from './errors';
export { FLOAT16_MAX, decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from './float16';
export {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  MODEL_JSON_FILE,
  WEIGHTS_FILE,
  parseModelJson,
  weightByteLength,
  type ArtifactModelJson,
  type WeightEntry,
  type WeightQuantization,
  type WeightsGroup,
} from './manifest';
export { elementCount, type NamedTensor } from './named-tensor';
export {
  dequantizeTensor,
  dequantizeUint8,
  dequantizeUint8Into,
  quantizeTensor,
  quantizeUint8,
  type AffineUint8,
  type QuantizedTensor,
  type WeightPrecision,
} from './quantize';
export { MANIFEST_SHA256_FIELD, canonicalJson, manifestSha256 } from './manifest-sha256';
export { sha256Hex } from './sha256';
export { StoredTensor } from './stored-tensor';
export { verifyArtifact } from './verify-artifact';
