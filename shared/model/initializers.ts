import type { Random } from '../random';
import { normal } from '../random';
import type { Initializer } from './parameters';

/**
 * Fills a tensor of `shape` the way Keras initialises it, from a seeded PRNG.
 *
 * @example
 * initialize('glorotUniform', [64, 256], createRandom(1)); // uniform in ±√(6 / (64 + 256))
 */
export function initialize(initializer: Initializer, shape: number[], random: Random): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const uniform = (limit: number) => Float32Array.from({ length: size }, () => (2 * random() - 1) * limit);
  switch (initializer) {
    case 'embeddingUniform':
      return uniform(0.05);
    case 'glorotUniform': {
      // Keras fans for a 2-D kernel [in, out]: fan_in = in, fan_out = out.
      const [fanIn, fanOut] = shape;
      return uniform(Math.sqrt(6 / (fanIn + fanOut)));
    }
    case 'orthogonal':
      return orthogonal(shape[0], shape[1], random);
    case 'zeros':
      return new Float32Array(size);
    case 'lstmBias': {
      // Gates i, f, c, o, H each: the forget gate starts at 1 so the cell remembers.
      const bias = new Float32Array(size);
      const units = size / 4;
      bias.fill(1, units, 2 * units);
      return bias;
    }
  }
}

/**
 * Keras' Orthogonal: QR of a normal matrix shaped (max, min), Q's columns
 * sign-corrected by R's diagonal, transposed if rows < cols. Gram–Schmidt in
 * float64 yields the same Q (R's diagonal comes out positive).
 */
function orthogonal(rows: number, cols: number, random: Random): Float32Array {
  const tall = Math.max(rows, cols);
  const narrow = Math.min(rows, cols);
  const columns = Array.from({ length: narrow }, () => Float64Array.from({ length: tall }, () => normal(random)));
  for (let j = 0; j < narrow; j++) {
    const v = columns[j];
    for (let pass = 0; pass < 2; pass++) {
      // Two passes of modified Gram–Schmidt keep Q orthogonal to float64 precision.
      for (let k = 0; k < j; k++) {
        const q = columns[k];
        let dot = 0;
        for (let r = 0; r < tall; r++) dot += q[r] * v[r];
        for (let r = 0; r < tall; r++) v[r] -= dot * q[r];
      }
    }
    const norm = Math.hypot(...v);
    for (let r = 0; r < tall; r++) v[r] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Q is [tall, narrow]; the result is Q itself when rows ≥ cols, else Qᵀ.
      out[r * cols + c] = rows >= cols ? columns[c][r] : columns[r][c];
    }
  }
  return out;
}
