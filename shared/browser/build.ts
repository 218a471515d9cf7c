/**
 * `npm run build:browser`: the static build of in-browser mode, written to
 * `dist/browser/` (or the folder given):
 *
 *   bilstm-edge.js                the classifier, tfjs-core and the wasm backend's glue (ES module)
 *   tfjs-backend-wasm-simd.wasm   the tfjs SIMD binary the worker runs too
 *   bilstm.wasm                   the fused BiLSTM kernel the worker runs too (`npm run build:kernels`)
 *   model/model.json, weights.bin the model the worker bundles (worker/model/default/)
 *
 * Upload the folder anywhere static; see worker/README-integrate.md.
 *
 * Usage: tsx shared/browser/build.ts [outDir]
 */
import { build } from 'esbuild';
import { access, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_JSON_FILE, WEIGHTS_FILE } from '../artifact';
import { KERNEL_FILE, WASM_FILE } from './load-classifier';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_OUT_DIR = join(ROOT, 'dist/browser');
const MODEL_DIR = join(ROOT, 'worker/model/default');
const KERNEL_BINARY = join(ROOT, 'shared/kernels/bilstm/build', KERNEL_FILE);
export const BROWSER_BUNDLE_FILE = 'bilstm-edge.js';

export interface BuildBrowserOptions {
  /** Replaced whole; built beside it first, so a failed build leaves the old one. Default `dist/browser`. */
  outDir?: string;
  /** Default true; false keeps the bundle readable when debugging. */
  minify?: boolean;
}

/**
 * Builds in-browser mode into `outDir`.
 *
 * @throws Error when the kernel binary is missing (run `npm run build:kernels`)
 *
 * @example
 * ```ts
 * await buildBrowser({ outDir: '/tmp/site/bilstm-edge' });
 * // /tmp/site/bilstm-edge/{bilstm-edge.js, tfjs-backend-wasm-simd.wasm, bilstm.wasm, model/model.json, model/weights.bin}
 * ```
 */
export async function buildBrowser(options: BuildBrowserOptions = {}): Promise<string> {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  // Checked before bundling, so that the error names the fix rather than an ENOENT.
  await access(KERNEL_BINARY).catch((error: unknown) => {
    throw new Error(`${KERNEL_BINARY} cannot be read; run \`npm run build:kernels\` first`, { cause: error });
  });
  const staging = `${outDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      outfile: join(staging, BROWSER_BUNDLE_FILE),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['chrome100', 'firefox101', 'safari16'],
      minify: options.minify ?? true,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
    });
    await mkdir(join(staging, 'model'));
    const wasm = createRequire(import.meta.url).resolve(`@tensorflow/tfjs-backend-wasm/dist/${WASM_FILE}`);
    await Promise.all([
      copyFile(wasm, join(staging, WASM_FILE)),
      copyFile(KERNEL_BINARY, join(staging, KERNEL_FILE)),
      copyFile(join(MODEL_DIR, MODEL_JSON_FILE), join(staging, 'model', MODEL_JSON_FILE)),
      copyFile(join(MODEL_DIR, WEIGHTS_FILE), join(staging, 'model', WEIGHTS_FILE)),
    ]);
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildBrowser({ outDir: process.argv[2] }).then(
    (outDir) => console.log(`wrote ${outDir}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
