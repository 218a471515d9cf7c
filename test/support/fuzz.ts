import fc from 'fast-check';

/** How much fuzzing one property gets. */
export interface FuzzBudget {
  /** Cases to generate when time allows. */
  numRuns: number;
  /** Stop generating after this long, so a loaded machine runs fewer cases rather than a longer test. */
  timeLimitMs: number;
  /**
   * Fail when fewer cases than this ran in the time: a property that became
   * that much slower would otherwise pass having tested almost nothing.
   * Default: a quarter of `numRuns`.
   */
  minRuns?: number;
}

/**
 * `fc.assert` within a time budget: throws fast-check's report (seed, path
 * and shrunk counterexample, for `fc.assert(…, { seed, path })` to replay)
 * on the first failing case, and returns how many cases ran.
 *
 * @example
 * ```ts
 * const runs = await fuzz(fc.property(fc.string(), (text) => tokenize(text).length >= 0), { numRuns: 5000, timeLimitMs: 10_000 });
 * ```
 */
export async function fuzz<Ts>(property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>, budget: FuzzBudget): Promise<number> {
  const { numRuns, timeLimitMs, minRuns = Math.ceil(numRuns / 4) } = budget;
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, { numRuns, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] });
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? 'property failed', { cause: details.errorInstance });
  if (details.numRuns < minRuns) {
    throw new Error(`only ${details.numRuns} of ${numRuns} cases ran in ${timeLimitMs} ms (at least ${minRuns} needed): each case has become too slow`);
  }
  return details.numRuns;
}
