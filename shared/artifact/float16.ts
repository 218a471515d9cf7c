/**
 * IEEE 754 binary16 ("half") conversions, bit-compatible with the float16
 * weights that `tf.io.decodeWeights` reads. JavaScript has no Float16Array on
 * our targets (Node 20, workerd), so halves travel as raw `Uint16Array` bits.
 */

/** Largest finite half, 65504; anything from 65520 up rounds to infinity. */
export const FLOAT16_MAX = 65504;

const float32Scratch = new Float32Array(1);
const float32Bits = new Uint32Array(float32Scratch.buffer);

const HALF_EXPONENT_BIAS = 15;
const FLOAT_EXPONENT_BIAS = 127;
const HALF_INFINITY = 0x7c00;
const HALF_QUIET_NAN = 0x7e00;

/**
 * Rounds a float32 value to the nearest half (ties to even, as hardware
 * does) and returns its 16 bits; other numbers are rounded to float32 first.
 * Values beyond the half range become ±Infinity; values below half its
 * smallest subnormal become ±0.
 *
 * @example
 * ```ts
 * float32ToFloat16Bits(1); // 0x3c00
 * float32ToFloat16Bits(-2); // 0xc000
 * float32ToFloat16Bits(65520); // 0x7c00, +Infinity
 * ```
 */
export function float32ToFloat16Bits(value: number): number {
  float32Scratch[0] = value;
  const bits = float32Bits[0];
  const sign = (bits >>> 16) & 0x8000;
  const floatExponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (floatExponent === 0xff) return sign | (mantissa === 0 ? HALF_INFINITY : HALF_QUIET_NAN);

  const halfExponent = floatExponent - FLOAT_EXPONENT_BIAS + HALF_EXPONENT_BIAS;
  if (halfExponent >= 0x1f) return sign | HALF_INFINITY;
  if (halfExponent >= 1) {
    // A carry out of the mantissa bumps the exponent, and from the top exponent reaches infinity: both are right.
    return sign | roundShiftRightToEven((halfExponent << 23) | mantissa, 13);
  }
  // Subnormal half: value = k * 2^-24 with k = significand >> (14 - halfExponent).
  const shift = 14 - halfExponent;
  if (shift > 24) return sign;
  return sign | roundShiftRightToEven(mantissa | 0x800000, shift);
}

function roundShiftRightToEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const dropped = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return dropped > half || (dropped === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/**
 * The exact value of a half given as its 16 bits.
 *
 * @example
 * ```ts
 * float16BitsToFloat32(0x3555); // 0.333251953125
 * float16BitsToFloat32(0x0001); // 5.960464477539063e-8, the smallest subnormal
 * ```
 */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - HALF_EXPONENT_BIAS - 10);
}

/**
 * Converts a whole tensor to half bits.
 *
 * @example
 * ```ts
 * encodeFloat16(new Float32Array([1, 0.1])); // Uint16Array [0x3c00, 0x2e66]
 * ```
 */
export function encodeFloat16(values: Float32Array): Uint16Array {
  const halves = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) halves[i] = float32ToFloat16Bits(values[i]);
  return halves;
}

/**
 * Converts half bits back to float32; every half is exactly representable.
 *
 * @example
 * ```ts
 * decodeFloat16(new Uint16Array([0x3c00, 0x2e66])); // Float32Array [1, 0.0999755859375]
 * ```
 */
export function decodeFloat16(halves: Uint16Array): Float32Array {
  // A table of all 65536 halves (256 KiB, built once) turns each value into one lookup: ~50x faster.
  float16Table ??= new Float32Array(65536).map((_, bits) => float16BitsToFloat32(bits));
  const values = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) values[i] = float16Table[halves[i]];
  return values;
}

let float16Table: Float32Array | undefined;
