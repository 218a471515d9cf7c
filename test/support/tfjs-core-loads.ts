/**
 * Starts counting how many copies of tfjs-core get loaded. Each copy, as it
 * loads, asks the global map that all copies share (`_tfGlobals`, see
 * tfjs-core's getGlobal) for its kernel registry; this map counts the asks.
 * Call it before anything imports tfjs, then import through `import()`.
 *
 * @example
 * ```ts
 * const loads = countTfjsCoreLoads();
 * await import('@tensorflow/tfjs-layers');
 * expect(loads()).toBe(1);
 * ```
 */
export function countTfjsCoreLoads(): () => number {
  const scope = globalThis as { _tfGlobals?: Map<string, unknown> };
  if (scope._tfGlobals !== undefined) {
    throw new Error('tfjs-core was loaded before countTfjsCoreLoads(); the count would be wrong');
  }
  let loads = 0;
  class CountingMap extends Map<string, unknown> {
    override has(key: string): boolean {
      if (key === 'kernelRegistry') loads++;
      return super.has(key);
    }
  }
  scope._tfGlobals = new CountingMap();
  return () => loads;
}
