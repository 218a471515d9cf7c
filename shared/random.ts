/**
 * Seeded pseudo-random numbers, so that data splits, shuffles and weight
 * initialisation can be repeated exactly from one integer.
 *
 * The generator is mulberry32 (Tommy Ettinger, public domain): 32 bits of
 * state, one multiply-xorshift round per number. Its period (2^32) is far
 * beyond what shuffling a data set or initialising a model draws, and it is
 * small enough to read in full.
 */

const MAX_SEED = 0xffff_ffff;

/**
 * Creates a generator of floats in [0, 1) that always gives the same sequence
 * for the same seed.
 *
 * @param seed an integer from 0 to 2^32 - 1
 * @throws RangeError when the seed is not such an integer
 *
 * @example
 * ```ts
 * const random = createRandom(42);
 * random(); // 0.6011037519201636, on every machine
 * ```
 */
export function createRandom(seed: number): () => number {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/**
 * Shuffles `array` in place (Fisher-Yates) and returns it. Every permutation
 * is equally likely, given a uniform `random`.
 *
 * @example
 * ```ts
 * const order = shuffleInPlace([0, 1, 2, 3, 4], createRandom(7));
 * ```
 */
export function shuffleInPlace<T>(array: T[], random: () => number): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const kept = array[i];
    array[i] = array[j];
    array[j] = kept;
  }
  return array;
}

/** A generator from {@link createRandom}. */
export type Random = () => number;

/**
 * A standard normal draw (Box–Muller), for orthogonal initialisation.
 *
 * @example
 * ```ts
 * normal(createRandom(42)); // a number drawn from N(0, 1)
 * ```
 */
export function normal(random: Random): number {
  const u = 1 - random(); // in (0, 1]: log(0) would be −∞
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
