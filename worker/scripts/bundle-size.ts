/**
 * `npm run build` step 2: prints the raw and gzip size of every module that
 * `wrangler deploy --dry-run --outdir dist` wrote, and their total, which is
 * what counts against Workers' script size limit (3 MB gzip on the free plan;
 * this project's budget is 1 MB).
 *
 * Usage: tsx worker/scripts/bundle-size.ts [dist]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 1_000_000;
const FREE_PLAN_GZIP_BYTES = 3 * 1024 * 1024;

interface ModuleSize {
  file: string;
  raw: number;
  gzip: number;
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.map') && entry.name !== 'README.md')
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function measure(directory: string): Promise<ModuleSize[]> {
  const files = await listFiles(directory);
  if (files.length === 0) throw new Error(`${directory} holds no bundle; run wrangler deploy --dry-run --outdir ${directory} first`);
  return Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(file);
      return { file: relative(directory, file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }),
  );
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(11);

async function main(directory: string): Promise<number> {
  const sizes = await measure(directory);
  const width = Math.max(5, ...sizes.map((size) => size.file.length));
  console.log(`${'module'.padEnd(width)}  ${'raw'.padStart(11)}  ${'gzip'.padStart(11)}`);
  for (const size of sizes) console.log(`${size.file.padEnd(width)}  ${kib(size.raw)}  ${kib(size.gzip)}`);
  const raw = sizes.reduce((sum, size) => sum + size.raw, 0);
  const gzip = sizes.reduce((sum, size) => sum + size.gzip, 0);
  console.log(`${'total'.padEnd(width)}  ${kib(raw)}  ${kib(gzip)}`);
  const verdict = gzip <= BUDGET_GZIP_BYTES ? 'within' : 'OVER';
  console.log(
    `gzip total ${verdict} the 1 MB budget (${((100 * gzip) / BUDGET_GZIP_BYTES).toFixed(0)}%); free plan limit 3 MiB (${((100 * gzip) / FREE_PLAN_GZIP_BYTES).toFixed(0)}%)`,
  );
  return gzip <= BUDGET_GZIP_BYTES ? 0 : 1;
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
