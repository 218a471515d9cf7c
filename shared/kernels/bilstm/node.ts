import { readFile } from 'node:fs/promises';
import { startBilstmKernel } from './index';

const BINARY = new URL('./build/bilstm.wasm', import.meta.url);

let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Starts the fused BiLSTM kernel in Node, compiled from the binary that
 * `npm run build:kernels` writes; see `startBilstmKernel`.
 *
 * @throws Error when the binary is missing (run `npm run build:kernels`)
 *
 * @example
 * ```ts
 * await startNodeBackend();
 * await startNodeBilstmKernel();
 * ```
 */
export async function startNodeBilstmKernel(): Promise<void> {
  compiled ??= compile().catch((error: unknown) => {
    compiled = undefined;
    throw error;
  });
  await startBilstmKernel(await compiled);
}

async function compile(): Promise<WebAssembly.Module> {
  const bytes = await readFile(BINARY).catch((error: unknown) => {
    throw new Error(`${BINARY.pathname} cannot be read; run \`npm run build:kernels\` first`, { cause: error });
  });
  return WebAssembly.compile(bytes);
}
