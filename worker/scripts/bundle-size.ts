/**
 * `npm run build` step 2: prints the raw and gzip size of every module that
 * `wrangler deploy --dry-run --outdir dist` wrote, and their total, which is
 * what counts against Workers' script size limit (3 MB gzip on the free plan;
 * this project's budget is 1 MB). Exits 1 over the budget.
 *
 * Usage: tsx worker/scripts/bundle-size.ts [dist]
 */
import { BUNDLE_BUDGET_GZIP_BYTES, FREE_PLAN_GZIP_BYTES, measureBundle } from './measure-bundle';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(11);

async function main(directory: string): Promise<number> {
  const { modules, raw, gzip } = await measureBundle(directory);
  const width = Math.max(5, ...modules.map((size) => size.file.length));
  console.log(`${'module'.padEnd(width)}  ${'raw'.padStart(11)}  ${'gzip'.padStart(11)}`);
  for (const size of modules) console.log(`${size.file.padEnd(width)}  ${kib(size.raw)}  ${kib(size.gzip)}`);
  console.log(`${'total'.padEnd(width)}  ${kib(raw)}  ${kib(gzip)}`);
  const verdict = gzip <= BUNDLE_BUDGET_GZIP_BYTES ? 'within' : 'OVER';
  console.log(
    `gzip total ${verdict} the 1 MB budget (${((100 * gzip) / BUNDLE_BUDGET_GZIP_BYTES).toFixed(0)}%); free plan limit 3 MiB (${((100 * gzip) / FREE_PLAN_GZIP_BYTES).toFixed(0)}%)`,
  );
  return gzip <= BUNDLE_BUDGET_GZIP_BYTES ? 0 : 1;
}

main(process.argv[2] ?? 'dist').then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
