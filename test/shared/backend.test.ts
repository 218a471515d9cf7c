import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { startWasmBackend } from '../../shared/backend/start-wasm-backend';
import { backendCases } from '../support/backend-cases';

const require = createRequire(import.meta.url);

async function compileBinary(name: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(require.resolve(`@tensorflow/tfjs-backend-wasm/dist/${name}`)));
}

/** The smallest valid module: no imports, no exports. */
const EMPTY_MODULE = new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));

function expectNoBackend(): void {
  expect(() => tf.tensor1d([1])).toThrow(/No backend found/);
}

afterEach(() => {
  vi.restoreAllMocks();
});

// The backend is process-wide state, so the order matters: failed starts
// first, each leaving tfjs with no backend, then the start that succeeds.
describe('a failed start', () => {
  it('rejects a module that is not tfjs-backend-wasm', async () => {
    await expect(startWasmBackend(EMPTY_MODULE)).rejects.toThrow(
      "wasmModule is not tfjs-backend-wasm's binary: it does not export init, init_with_threads_count",
    );
    expectNoBackend();
  });

  it('says why instantiation failed, here the threaded binary, which imports what the glue lacks', async () => {
    const threaded = await compileBinary('tfjs-backend-wasm-threaded-simd.wasm');
    const started = performance.now();
    const error = await startWasmBackend(threaded, { timeoutMs: 5_000 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Error);
    const { message, cause } = error as Error;
    expect(cause).toBeInstanceOf(WebAssembly.LinkError);
    expect(message).toBe(`the tfjs wasm backend failed to start: ${(cause as Error).message}`);
    expect(performance.now() - started).toBeLessThan(5_000);
    expectNoBackend();
  });

  it('gives up after timeoutMs when instantiation never settles', async () => {
    vi.spyOn(WebAssembly, 'instantiate').mockReturnValue(new Promise(() => {}));
    const simd = await compileBinary('tfjs-backend-wasm-simd.wasm');
    const started = performance.now();
    await expect(startWasmBackend(simd, { timeoutMs: 300 })).rejects.toThrow(
      'the tfjs wasm backend did not start within 300 ms',
    );
    expect(performance.now() - started).toBeLessThan(3_000);
    expectNoBackend();
  });

  it('rejects a timeout that is not a positive delay', async () => {
    const simd = await compileBinary('tfjs-backend-wasm-simd.wasm');
    await expect(startWasmBackend(simd, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(startWasmBackend(simd, { timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
  });
});

describe('startNodeBackend', () => {
  it('starts wasm after failed starts, instantiating once for concurrent and repeated calls', async () => {
    const instantiate = vi.spyOn(WebAssembly, 'instantiate');
    await Promise.all([startNodeBackend(), startNodeBackend()]);
    await startNodeBackend();
    expect(tf.getBackend()).toBe('wasm');
    expect(instantiate).toHaveBeenCalledTimes(1);
  });
});

describe('on the started backend', () => {
  beforeAll(() => startNodeBackend());

  it.each(Object.keys(backendCases))('computes %s like the closed form', (name) => {
    const { actual, expected } = backendCases[name]();
    expect(actual).toHaveLength(expected.length);
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  });
});

describe('the UnsortedSegmentSum kernel', () => {
  beforeAll(() => startNodeBackend());

  /** The same sums as a product with a one-hot matrix: oneHot(ids)ᵀ · x. */
  function viaOneHot(x: tf.Tensor2D, ids: tf.Tensor1D, numSegments: number): tf.Tensor2D {
    return tf.matMul(tf.cast(tf.oneHot(ids, numSegments), 'float32'), x, true, false);
  }

  it('matches oneHot(ids)ᵀ · x, with repeated, empty and dropped (negative) segments', () => {
    const shapes = fc.record({
      rows: fc.integer({ min: 1, max: 40 }),
      width: fc.integer({ min: 1, max: 5 }),
      numSegments: fc.integer({ min: 2, max: 8 }), // oneHot needs a depth of 2 or more
    });
    const data = shapes.chain(({ rows, width, numSegments }) =>
      fc.record({
        numSegments: fc.constant(numSegments),
        ids: fc.array(fc.integer({ min: -1, max: numSegments - 1 }), { minLength: rows, maxLength: rows }),
        x: fc.array(fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: width, maxLength: width }), {
          minLength: rows,
          maxLength: rows,
        }),
      }),
    );
    fc.assert(
      fc.property(data, ({ numSegments, ids, x }) => {
        const [actual, expected] = tf.tidy(() => {
          const xs = tf.tensor2d(x);
          const segmentIds = tf.tensor1d(ids, 'int32');
          return [
            tf.unsortedSegmentSum(xs, segmentIds, numSegments).arraySync(),
            viaOneHot(xs, segmentIds, numSegments).arraySync(),
          ];
        });
        expect(actual).toHaveLength(numSegments);
        actual.forEach((row, s) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[s][j], 3)));
      }),
      { numRuns: 50 },
    );
  });

  it('sums int32 exactly and keeps the inner shape of x', () => {
    const x = tf.tensor3d([[[1, 2]], [[3, 4]], [[2_000_000_000, 5]]], [3, 1, 2], 'int32');
    const sums = tf.unsortedSegmentSum(x, tf.tensor1d([1, 1, 0], 'int32'), 2);
    expect(sums.dtype).toBe('int32');
    expect(sums.shape).toEqual([2, 1, 2]);
    expect(sums.arraySync()).toEqual([[[2_000_000_000, 5]], [[4, 6]]]);
  });

  it('rejects a segment id that is not below numSegments', () => {
    expect(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2]), tf.tensor1d([0, 2], 'int32'), 2)).toThrow(
      'segmentIds[1] = 2 is out of range for numSegments = 2',
    );
  });

  it('rejects segment ids whose shape is not a prefix of the shape of x', () => {
    expect(() => tf.unsortedSegmentSum(tf.tensor2d([[1, 2]]), tf.tensor1d([0, 0], 'int32'), 1)).toThrow(
      'segmentIds shape [2] must be a prefix of x shape [1,2]',
    );
  });
});

describe('in plain Node, through tsx', () => {
  async function runCases(threads: number) {
    const script = fileURLToPath(new URL('../support/run-backend-cases.ts', import.meta.url));
    // execFile waits for the process to exit: a worker left running would time it out.
    const { stdout } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), script, String(threads)], {
      timeout: 60_000,
    });
    return JSON.parse(stdout) as {
      backend: string;
      threads: number;
      servingStartGradient: boolean;
      servingStartExplainError: string | null;
      trainingStartGradient: boolean;
      trainingStartExplainError: string | null;
      cases: Record<string, { actual: number[]; expected: number[] }>;
    };
  }

  it.each([1, 2])('starts wasm on %i thread(s), computes the same cases and exits', async (threads) => {
    const result = await runCases(threads);
    expect(result.backend).toBe('wasm');
    expect(result.threads).toBe(threads);
    // A host that only serves skips the gradients; a later start that trains still gets them.
    expect(result.servingStartGradient).toBe(false);
    expect(result.trainingStartGradient).toBe(true);
    // Explaining by gradient needs them, and says so rather than naming a missing kernel gradient alone.
    expect(result.servingStartExplainError).toMatch(/^gradientTimesInput: tfjs-core's gradients are not registered; start the backend with them or await registerGradients\(\) first \(.*gradient function not found for \w+/);
    expect(result.trainingStartExplainError).toBeNull();
    expect(Object.keys(result.cases)).toEqual(Object.keys(backendCases));
    for (const { actual, expected } of Object.values(result.cases)) {
      actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
    }
  });

  it.each([0, 9, 1.5])('refuses threads = %s before starting anything', async (threads) => {
    await expect(startNodeBackend({ threads })).rejects.toThrow(
      `startNodeBackend: threads must be an integer from 1 to 8, got ${threads}`,
    );
  });
});
