import { FLOAT16_MAX, decodeFloat16, encodeFloat16 } from './float16';
import type { WeightQuantization } from './manifest';

/**
 * How one tensor is stored in `weights.bin`: 4, 2 or 1 byte per value.
 * `float16` keeps about 3 significant digits at every magnitude up to 65504;
 * `uint8` errs by up to (max − min) / 510 over the whole tensor, so one
 * outlier costs every other value its precision.
 */
export type WeightPrecision = 'float32' | 'float16' | 'uint8';

/** A tensor's bytes in `weights.bin` and the manifest entry telling how to read them back. */
export interface QuantizedTensor {
  bytes: Uint8Array;
  quantization?: WeightQuantization;
}

/** Affine uint8 code: `value ≈ quantized * scale + min`. */
export interface AffineUint8 {
  quantized: Uint8Array;
  min: number;
  scale: number;
}

const UINT8_MAX = 255;

/**
 * Quantizes a tensor to uint8 the way tfjs-converter's `quantize_weights`
 * does: the range [min, max] is split into 255 steps, and when it contains 0
 * the range is shifted ("nudged") by less than half a step so that 0 falls
 * exactly on a step and decodes to exactly 0. Each value then decodes to
 * within `scale / 2` of itself. A constant tensor decodes exactly, with
 * `scale` 1 and every code 0.
 *
 * @throws RangeError when a value is NaN or infinite, since no range can hold it
 *
 * @example
 * ```ts
 * quantizeUint8(new Float32Array([0, -0.1, 1.2]));
 * // { quantized: Uint8Array [20, 0, 255], min: -0.10196078817..., scale: 0.00509803940852... }
 * ```
 */
export function quantizeUint8(values: Float32Array): AffineUint8 {
  assertFinite(values);
  let dataMin = Infinity;
  let dataMax = -Infinity;
  for (const value of values) {
    if (value < dataMin) dataMin = value;
    if (value > dataMax) dataMax = value;
  }
  const quantized = new Uint8Array(values.length);
  if (!(dataMax > dataMin)) return { quantized, min: values.length === 0 ? 0 : dataMin, scale: 1 };

  const scale = (dataMax - dataMin) / UINT8_MAX;
  let min = dataMin;
  if (dataMin <= 0 && dataMax >= 0) {
    // Decoders compute q * scale + min, so min must be the exact negation of zeroCode * scale.
    const zeroCode = Math.round(-dataMin / scale);
    min = -(zeroCode * scale);
  }
  const max = UINT8_MAX * scale + min;
  for (let i = 0; i < values.length; i++) {
    const clipped = Math.min(Math.max(values[i], min), max);
    quantized[i] = Math.min(UINT8_MAX, Math.max(0, Math.round((clipped - min) / scale)));
  }
  return { quantized, min, scale };
}

/**
 * Decodes uint8 codes as `tf.io.decodeWeights` does (float64 arithmetic, then
 * float32 storage), so both give bit-identical tensors.
 *
 * @example
 * ```ts
 * dequantizeUint8(new Uint8Array([0, 20, 255]), { min: -0.1, scale: 0.005 });
 * // Float32Array [-0.10000000149011612, 0, 1.1749999523162842]: -0.1, 0 and 1.175 to float32 precision
 * ```
 */
export function dequantizeUint8(quantized: Uint8Array, params: { min: number; scale: number }): Float32Array {
  return dequantizeUint8Into(new Float32Array(quantized.length), 0, quantized, params);
}

/** {@link dequantizeUint8} into `target` from `offset`: the same values, for a part of a tensor. */
export function dequantizeUint8Into(target: Float32Array, offset: number, quantized: Uint8Array, params: { min: number; scale: number }): Float32Array {
  for (let i = 0; i < quantized.length; i++) target[offset + i] = quantized[i] * params.scale + params.min;
  return target;
}

/**
 * Turns a float32 tensor into its bytes in `weights.bin` at the chosen
 * precision, plus the manifest's `quantization` field (absent for float32).
 * Bytes are in the host's order, as tfjs writes and reads them: little-endian
 * on every platform tfjs and workerd run on.
 *
 * @throws RangeError when a value is NaN or infinite, or would round to
 *   infinity as float16 (beyond ±65504)
 *
 * @example
 * ```ts
 * const { bytes, quantization } = quantizeTensor(new Float32Array([0.5, -0.25]), 'float16');
 * // bytes.length === 4, quantization: { dtype: 'float16', original_dtype: 'float32' }
 * ```
 */
export function quantizeTensor(values: Float32Array, precision: WeightPrecision): QuantizedTensor {
  switch (precision) {
    case 'float32':
      assertFinite(values);
      return { bytes: new Uint8Array(values.slice().buffer) };
    case 'float16':
      assertFinite(values);
      return {
        bytes: new Uint8Array(encodeFloat16WithinRange(values).buffer),
        quantization: { dtype: 'float16', original_dtype: 'float32' },
      };
    case 'uint8': {
      const { quantized, min, scale } = quantizeUint8(values);
      return { bytes: quantized, quantization: { dtype: 'uint8', min, scale, original_dtype: 'float32' } };
    }
  }
}

/**
 * Reads a tensor's bytes back into float32 values; the inverse of
 * `quantizeTensor`. `bytes` must hold exactly the tensor, at any byte offset.
 *
 * @example
 * ```ts
 * const stored = quantizeTensor(new Float32Array([0.5, -0.25]), 'float16');
 * dequantizeTensor(stored.bytes, stored.quantization); // Float32Array [0.5, -0.25]
 * ```
 */
export function dequantizeTensor(bytes: Uint8Array, quantization: WeightQuantization | undefined): Float32Array {
  if (quantization?.dtype === 'uint8') return dequantizeUint8(bytes, quantization);
  // Tensors follow each other unpadded, so copy into a fresh buffer to align the wider views.
  // (Not bytes.slice(): on a Node Buffer that returns a view sharing the whole pooled buffer.)
  const aligned = new Uint8Array(bytes).buffer;
  return quantization === undefined ? new Float32Array(aligned) : decodeFloat16(new Uint16Array(aligned));
}

function assertFinite(values: Float32Array): void {
  const index = values.findIndex((value) => !Number.isFinite(value));
  if (index >= 0) throw new RangeError(`value ${values[index]} at index ${index} is not finite`);
}

function encodeFloat16WithinRange(values: Float32Array): Uint16Array {
  const halves = encodeFloat16(values);
  const index = halves.findIndex((half) => (half & 0x7fff) === 0x7c00);
  if (index >= 0) {
    throw new RangeError(`value ${values[index]} at index ${index} is beyond the float16 range (±${FLOAT16_MAX})`);
  }
  return halves;
}
