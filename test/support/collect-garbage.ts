/**
 * Collects garbage, then waits a moment for finalization callbacks (which
 * run in a later task), `rounds` times or until `done()`. Needs Node's
 * `--expose-gc`, which the node test project passes (vitest.config.ts).
 *
 * @example
 * ```ts
 * await collectGarbage(() => kernel.keptHistories === 0);
 * ```
 */
export async function collectGarbage(done: () => boolean = () => false, rounds = 10): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('collectGarbage: run node with --expose-gc');
  for (let round = 0; round < rounds && !done(); round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
