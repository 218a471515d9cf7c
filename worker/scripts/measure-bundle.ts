import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

/** This project's budget for the whole upload, gzip: issue #5. */
export const BUNDLE_BUDGET_GZIP_BYTES = 1_000_000;
/** What Workers' free plan accepts, gzip. */
export const FREE_PLAN_GZIP_BYTES = 3 * 1024 * 1024;

export interface ModuleSize {
  /** Path inside the bundle directory, e.g. `index.js`. */
  file: string;
  raw: number;
  gzip: number;
}

export interface BundleSize {
  modules: ModuleSize[];
  raw: number;
  /** Sum of each module's gzip size: what counts against Workers' script size limit. */
  gzip: number;
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.map') && entry.name !== 'README.md')
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * The raw and gzip (level 9) size of every module that `wrangler deploy
 * --dry-run --outdir <directory>` wrote, source maps aside, and their totals.
 *
 * @throws Error when `directory` holds no bundle
 *
 * @example
 * ```ts
 * const size = await measureBundle('dist/worker');
 * size.gzip <= BUNDLE_BUDGET_GZIP_BYTES; // true
 * size.modules.map((m) => m.file); // ['…-bilstm.wasm', '…-weights.bin', '…-tfjs-backend-wasm-simd.wasm', 'index.js']
 * ```
 */
export async function measureBundle(directory: string): Promise<BundleSize> {
  const files = await listFiles(directory);
  if (files.length === 0) throw new Error(`${directory} holds no bundle; run wrangler deploy --dry-run --outdir ${directory} first`);
  const modules = await Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(file);
      return { file: relative(directory, file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }),
  );
  return {
    modules,
    raw: modules.reduce((sum, size) => sum + size.raw, 0),
    gzip: modules.reduce((sum, size) => sum + size.gzip, 0),
  };
}
