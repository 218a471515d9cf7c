import { describe, expect, it } from 'vitest';
import { createRandom, shuffleInPlace } from '../../shared/random';

const TWO_TO_32 = 2 ** 32;

describe('createRandom', () => {
  it('gives the same numbers as the reference C mulberry32', () => {
    // From Tommy Ettinger's C mulberry32 compiled with gcc (uint32_t state = seed; five calls), divided by 2^32.
    const reference: Record<number, number[]> = {
      0: [1144304738, 1416247, 958946056, 627933444, 2007157716],
      42: [2581720956, 1925393290, 3661312704, 2876485805, 750819978],
      4294967295: [3850105811, 813802916, 3073704848, 4054706436, 3630262831],
    };
    for (const [seed, values] of Object.entries(reference)) {
      const random = createRandom(Number(seed));
      expect(values.map(() => random())).toEqual(values.map((value) => value / TWO_TO_32));
    }
  });

  it('repeats a sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 100 }, () => random());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('spreads numbers evenly over [0, 1)', () => {
    const random = createRandom(123);
    const buckets = new Array<number>(10).fill(0);
    const draws = 100_000;
    let lowest = 1;
    let highest = 0;
    for (let i = 0; i < draws; i++) {
      const value = random();
      lowest = Math.min(lowest, value);
      highest = Math.max(highest, value);
      buckets[Math.floor(value * 10)]++;
    }
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(highest).toBeLessThan(1);
    const expected = draws / 10;
    const chiSquare = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 27.88 is the 0.999 quantile of chi-square with 9 degrees of freedom.
    expect(chiSquare).toBeLessThan(27.88);
  });

  it('rejects seeds that are not 32-bit unsigned integers', () => {
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => createRandom(seed)).toThrow(/seed must be an integer from 0 to 4294967295/);
    }
  });
});

describe('shuffleInPlace', () => {
  it('permutes the array in place, repeatably for a seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = shuffleInPlace([...items], createRandom(1));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(shuffleInPlace([...items], createRandom(1))).toEqual(shuffled);
  });

  it('makes every order of three items about equally likely', () => {
    const random = createRandom(99);
    const counts = new Map<string, number>();
    const trials = 60_000;
    for (let i = 0; i < trials; i++) {
      const order = shuffleInPlace(['a', 'b', 'c'], random).join('');
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const expected = trials / 6;
    const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 20.52 is the 0.999 quantile of chi-square with 5 degrees of freedom.
    expect(chiSquare).toBeLessThan(20.52);
  });
});
