import { describe, expect, it } from 'vitest';
import { initialize } from '../../shared/model/initializers';
import { TUTORIAL_MODEL } from '../../shared/model/config';
import { initialWeights } from '../../shared/model/weights';
import { createRandom } from '../../shared/random';

/** Closed-form properties of Keras' initialisers. */
describe('initializers', () => {
  /** Largest |Gram − I| over the rows (wide matrix) or columns (tall matrix) of a row-major [rows, cols]. */
  function orthonormalityError(w: Float32Array, rows: number, cols: number): number {
    const [vectors, length] = rows <= cols ? [rows, cols] : [cols, rows];
    const at = (v: number, k: number) => (rows <= cols ? w[v * cols + k] : w[k * cols + v]);
    let error = 0;
    for (let a = 0; a < vectors; a++) {
      for (let b = 0; b < vectors; b++) {
        let dot = 0;
        for (let k = 0; k < length; k++) dot += at(a, k) * at(b, k);
        error = Math.max(error, Math.abs(dot - (a === b ? 1 : 0)));
      }
    }
    return error;
  }

  it('orthogonal [H, 4H] has orthonormal rows (W·Wᵀ = I), like Keras Orthogonal', () => {
    expect(orthonormalityError(initialize('orthogonal', [16, 64], createRandom(3)), 16, 64)).toBeLessThan(1e-5);
  });

  it('orthogonal of a tall matrix has orthonormal columns', () => {
    expect(orthonormalityError(initialize('orthogonal', [12, 5], createRandom(4)), 12, 5)).toBeLessThan(1e-5);
  });

  it('Glorot uniform stays within ±√(6 / (fan_in + fan_out)) and fills that range', () => {
    const w = initialize('glorotUniform', [64, 256], createRandom(5));
    const limit = Math.sqrt(6 / (64 + 256));
    const max = Math.max(...w.map(Math.abs));
    expect(max).toBeLessThanOrEqual(limit);
    expect(max).toBeGreaterThan(0.99 * limit);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.01 * limit * 10);
  });

  it('LSTM bias is zero except the forget gate (unit_forget_bias)', () => {
    const bias = initialize('lstmBias', [4 * 3], createRandom(6));
    expect(Array.from(bias)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('embeddings are uniform in ±0.05 (Keras Embedding default)', () => {
    const w = initialize('embeddingUniform', [100, 8], createRandom(7));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.05);
  });

  it('the same seed gives the same model, another seed another', () => {
    const a = initialWeights(TUTORIAL_MODEL, 1);
    const b = initialWeights(TUTORIAL_MODEL, 1);
    const c = initialWeights(TUTORIAL_MODEL, 2);
    const identical = (x: typeof a, y: typeof a) => x.every((t, i) => t.values.every((v, j) => v === y[i].values[j]));
    expect(identical(a, b)).toBe(true);
    expect(identical(a, c)).toBe(false);
  });
});
