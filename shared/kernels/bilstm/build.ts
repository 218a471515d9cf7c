/**
 * Builds `build/bilstm.wasm` from the AssemblyScript source (`npm run
 * build:kernels`, run before test, train, dev, bench and deploy). The binary
 * is not committed: a fresh clone builds it after `npm ci`, with the compiler
 * from the npm registry and nothing native.
 *
 * Skips the compile when the binary is newer than its sources, this script
 * and the compiler. Writes to a temp file, then renames, so that a killed
 * build never leaves a truncated binary behind.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SOURCE_DIR = `${HERE}assembly/`;
const ENTRY = `${SOURCE_DIR}bilstm.ts`;
const OUT_DIR = `${HERE}build/`;
const OUT_FILE = `${OUT_DIR}bilstm.wasm`;

/**
 * SIMD on (asc leaves it off by default), the stub runtime (the kernel never
 * allocates), `--noAssert` and no `abort` import, so the module instantiates
 * with no imports at all, in Node and in workerd alike.
 */
const COMPILER_FLAGS = ['--enable', 'simd', '--runtime', 'stub', '-O3', '--noAssert', '--use', 'abort='];

async function modifiedAt(path: string): Promise<number> {
  return (await stat(path)).mtimeMs;
}

async function upToDate(): Promise<boolean> {
  const built = await modifiedAt(OUT_FILE).catch(() => null);
  if (built === null) return false;
  const sources = (await readdir(SOURCE_DIR)).map((name) => `${SOURCE_DIR}${name}`);
  const compiler = createRequire(import.meta.url).resolve('assemblyscript/package.json');
  const inputs = await Promise.all([...sources, fileURLToPath(import.meta.url), compiler].map(modifiedAt));
  return inputs.every((time) => time < built);
}

async function build(): Promise<void> {
  const temp = `${OUT_FILE}.${process.pid}.tmp`;
  await mkdir(OUT_DIR, { recursive: true });
  // Loaded only when needed: the compiler (with binaryen) takes seconds to load.
  const { default: asc } = await import('assemblyscript/asc');
  const { error, stderr } = await asc.main([ENTRY, ...COMPILER_FLAGS, '--outFile', temp]);
  if (error) {
    await rm(temp, { force: true });
    throw new Error(`AssemblyScript failed to compile ${ENTRY}:\n${stderr.toString()}`);
  }
  await rename(temp, OUT_FILE);
}

if (await upToDate()) {
  console.log(`${OUT_FILE} is up to date`);
} else {
  await build();
  console.log(`built ${OUT_FILE}`);
}
