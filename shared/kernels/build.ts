/**
 * Builds the WebAssembly kernels from their AssemblyScript sources (`npm run
 * build:kernels`, run before test, train, dev, bench and deploy):
 *
 * - `bilstm/build/bilstm.wasm`, importing its memory: it works in tfjs's own
 *   heap, where the tensors are (see `bilstm/kernel.ts`);
 * - `bilstm/build/bilstm-shared.wasm`, importing a shared memory: tfjs's
 *   heap when tfjs runs its threaded build, which two instances on two Node
 *   threads share to run the two directions at once
 *   (`startNodeBilstmKernel({ threads: 2 })`);
 * - `adam/build/adam.wasm` and `adam-shared.wasm`, the optimizer's update,
 *   for training in Node, in tfjs's heap likewise.
 *
 * The binaries are not committed: a fresh clone builds them after `npm ci`,
 * with the compiler from the npm registry and nothing native.
 *
 * Skips a binary's compile when it is newer than its sources, this script
 * and the compiler. Writes to a temp file, then renames, so that a killed
 * build never leaves a truncated binary behind.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * SIMD on (asc leaves it off by default), the stub runtime (the kernels never
 * allocate), `--noAssert` and no `abort` import, so the module instantiates
 * with no imports at all, in Node and in workerd alike.
 */
const COMPILER_FLAGS = ['--enable', 'simd', '--runtime', 'stub', '-O3', '--noAssert', '--use', 'abort='];

/**
 * The kernels import their memory (`env.memory`), tfjs's heap. They have
 * no data segment, so instantiating one writes nothing there.
 */
const IMPORTED_MEMORY_FLAGS = ['--importMemory'];

/**
 * A shared memory must declare its maximum: 65536 pages, 4 GiB, at least
 * that of any heap it may import.
 */
const SHARED_MEMORY_FLAGS = [...IMPORTED_MEMORY_FLAGS, '--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'];

/** A binary built from the AssemblyScript module `<kernel>/assembly/<entry>.ts`. */
interface Target {
  kernel: string;
  entry: string;
  outName: string;
  flags: string[];
}

const TARGETS: Target[] = [
  { kernel: 'bilstm', entry: 'bilstm', outName: 'bilstm.wasm', flags: [...COMPILER_FLAGS, ...IMPORTED_MEMORY_FLAGS] },
  { kernel: 'bilstm', entry: 'bilstm', outName: 'bilstm-shared.wasm', flags: [...COMPILER_FLAGS, ...SHARED_MEMORY_FLAGS] },
  { kernel: 'adam', entry: 'adam', outName: 'adam.wasm', flags: [...COMPILER_FLAGS, ...IMPORTED_MEMORY_FLAGS] },
  { kernel: 'adam', entry: 'adam', outName: 'adam-shared.wasm', flags: [...COMPILER_FLAGS, ...SHARED_MEMORY_FLAGS] },
];

const sourceDir = ({ kernel }: Target) => `${HERE}${kernel}/assembly/`;
const outDir = ({ kernel }: Target) => `${HERE}${kernel}/build/`;

async function modifiedAt(path: string): Promise<number> {
  return (await stat(path)).mtimeMs;
}

async function upToDate(target: Target, outFile: string): Promise<boolean> {
  const built = await modifiedAt(outFile).catch(() => null);
  if (built === null) return false;
  const sources = (await readdir(sourceDir(target))).map((name) => `${sourceDir(target)}${name}`);
  const compiler = createRequire(import.meta.url).resolve('assemblyscript/package.json');
  const inputs = await Promise.all([...sources, fileURLToPath(import.meta.url), compiler].map(modifiedAt));
  return inputs.every((time) => time < built);
}

async function build(target: Target, outFile: string): Promise<void> {
  const entry = `${sourceDir(target)}${target.entry}.ts`;
  const temp = `${outFile}.${process.pid}.tmp`;
  await mkdir(outDir(target), { recursive: true });
  // Loaded only when needed: the compiler (with binaryen) takes seconds to load.
  const { default: asc } = await import('assemblyscript/asc');
  const { error, stderr } = await asc.main([entry, ...target.flags, '--outFile', temp]);
  if (error) {
    await rm(temp, { force: true });
    throw new Error(`AssemblyScript failed to compile ${entry} into ${outFile}:\n${stderr.toString()}`);
  }
  await rename(temp, outFile);
}

for (const target of TARGETS) {
  const outFile = `${outDir(target)}${target.outName}`;
  if (await upToDate(target, outFile)) {
    console.log(`${outFile} is up to date`);
  } else {
    await build(target, outFile);
    console.log(`built ${outFile}`);
  }
}
