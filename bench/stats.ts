/** Median and p90 of timings, by nearest rank; the minimum too, the run least disturbed by other load. */
export interface Summary {
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
}

/** The value at or below which `q` of the samples fall (nearest rank). */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) throw new RangeError('percentile: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * @example
 * summarize([3, 1, 2]); // { runs: 3, medianMs: 2, p90Ms: 3, minMs: 1 }
 */
export function summarize(samples: number[]): Summary {
  return { runs: samples.length, medianMs: percentile(samples, 0.5), p90Ms: percentile(samples, 0.9), minMs: percentile(samples, 0) };
}
