import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { wasmHeap, type WasmHeap } from '../../shared/backend/wasm-heap';
import { BilstmKernel } from '../../shared/kernels/bilstm';
import { DirectionHelper, startTwoThreadBilstmKernel } from '../../shared/kernels/bilstm/direction-helper';
import type { ForwardInputs } from '../../shared/kernels/bilstm/kernel';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import type { RecurrenceShape } from '../../shared/model/ops/bidirectional-recurrence';
import { recurrenceEngine } from '../../shared/model/ops/recurrence-engine';
import { createRandom } from '../../shared/random';
import { compareRecurrenceEngines } from '../support/recurrence-engines';

/**
 * The two-thread kernel (direction 1 on a helper thread over tfjs's heap,
 * shared: tfjs runs its threaded build here) against the one-thread kernel:
 * the same arithmetic in the same order, so the same bits, whatever the
 * shape, mask or heap growth.
 */

const BUILD = new URL('../../shared/kernels/bilstm/build/', import.meta.url);
const compile = async (file: string) => WebAssembly.compile(await readFile(new URL(file, BUILD)));

let heap: WasmHeap;
let oneThread: BilstmKernel;
let sharedModule: WebAssembly.Module;
const helpers: DirectionHelper[] = [];

/** Every pass on both threads, however small: the tests' shapes are mostly below the default threshold. */
const ALWAYS_PARALLEL = { minParallelWork: 0 };

async function twoThreadKernel(): Promise<BilstmKernel> {
  const { kernel, helper } = await startTwoThreadBilstmKernel(sharedModule, heap, ALWAYS_PARALLEL);
  helpers.push(helper);
  return kernel;
}

/** An instance of bilstm-shared.wasm working in the heap. */
const onHeap = () => WebAssembly.instantiate(sharedModule, { env: { memory: heap.memory } });

beforeAll(async () => {
  await startNodeBackend({ threads: 2 });
  heap = wasmHeap();
  sharedModule = await compile('bilstm-shared.wasm');
  oneThread = BilstmKernel.fromInstance(await onHeap(), heap);
});

afterAll(async () => {
  await Promise.all(helpers.map((helper) => helper.terminate()));
});

/**
 * Where two arrays' float bits first differ, or null: unlike `toEqual` on
 * floats, tells −0 from 0 and compares NaNs, and takes milliseconds, not
 * seconds, over millions of values.
 */
function firstDifference(actual: Float32Array, expected: Float32Array): string | null {
  if (actual.length !== expected.length) return `${actual.length} values, expected ${expected.length}`;
  const actualBits = new Uint32Array(actual.slice().buffer);
  const expectedBits = new Uint32Array(expected.slice().buffer);
  const index = actualBits.findIndex((word, i) => word !== expectedBits[i]);
  return index < 0 ? null : `[${index}] is ${actual[index]}, expected ${expected[index]}`;
}

interface Case extends RecurrenceShape {
  masked: boolean;
}

/** Random inputs; with a mask, row r of the batch is real for its first (r·37 mod T) + 1 steps, row 1 for none. */
function randomInputs({ steps, batch, units, masked }: Case, seed: number): ForwardInputs & { dStates: Float32Array } {
  const random = createRandom(seed);
  const uniform = (length: number, scale: number) => Float32Array.from({ length }, () => (random() - 0.5) * scale);
  const length = (row: number) => (row === 1 ? 0 : 1 + ((row * 37) % steps));
  const mask = Float32Array.from({ length: steps * batch }, (_, i) => (Math.floor(i / batch) < length(i % batch) ? 1 : 0));
  return {
    projected: uniform(steps * batch * 8 * units, 4),
    recurrent: uniform(2 * units * 8 * units, 1),
    mask: masked ? mask : null,
    dStates: uniform(steps * batch * 2 * units, 2),
  };
}

/**
 * Runs a forward pass, two with recurrent tiles (the first packs them, the
 * second, given zeros for weights, reuses them), a recorded one with the
 * input's gradient alone (frozen weights), and a recorded one with a whole
 * backward pass on `kernel`; the last gradients are views of its memory.
 */
function passes(kernel: BilstmKernel, shape: RecurrenceShape, inputs: ReturnType<typeof randomInputs>) {
  const states = kernel.forward(shape, inputs).slice();
  const tiles = kernel.recurrentTiles(shape.units);
  const packingStates = kernel.forward(shape, { ...inputs, tiles }).slice();
  const reusingStates = kernel.forward(shape, { ...inputs, recurrent: new Float32Array(inputs.recurrent.length), tiles }).slice();
  kernel.release(tiles);
  const frozen = kernel.forwardRecorded(shape, inputs);
  const inputGradient = kernel.inputGradient(shape, { ...inputs, history: frozen.history }).slice();
  kernel.release(frozen.history);
  const recorded = kernel.forwardRecorded(shape, inputs);
  const recordedStates = recorded.states.slice();
  const gradients = kernel.backward(shape, { ...inputs, history: recorded.history });
  kernel.release(recorded.history);
  return { states, packingStates, reusingStates, recordedStates, inputGradient, ...gradients };
}

function expectSameBits(two: ReturnType<typeof passes>, one: ReturnType<typeof passes>): void {
  const names = ['states', 'packingStates', 'reusingStates', 'recordedStates', 'inputGradient', 'dProjected', 'dProjectedTransposed', 'dProjectedSums', 'dRecurrent'] as const;
  for (const name of names) expect(firstDifference(two[name], one[name]), name).toBeNull();
  // Skipping the weights' gradients changes nothing in the input's.
  expect(firstDifference(one.inputGradient, one.dProjected), 'inputGradient against dProjected').toBeNull();
}

describe('two threads against one: the same bits', () => {
  let kernel: BilstmKernel;
  beforeAll(async () => {
    kernel = await twoThreadKernel();
  });

  for (const steps of [1, 100]) {
    for (const batch of [1, 32]) {
      for (const units of [64, 32, 5]) {
        for (const masked of [false, true]) {
          const testCase = { steps, batch, units, masked };
          it(`T = ${steps}, B = ${batch}, H = ${units}, ${masked ? 'masked' : 'no mask'}`, () => {
            const shape = { steps, batch, units };
            const inputs = randomInputs(testCase, steps * 1000 + batch * 10 + units + (masked ? 1 : 0));
            const two = passes(kernel, shape, inputs);
            expectSameBits(two, passes(oneThread, shape, inputs));
            expect(firstDifference(two.reusingStates, two.states)).toBeNull();
          });
        }
      }
    }
  }

  it('while the shared heap grows from call to call', async () => {
    const growing = await twoThreadKernel();
    const heapBytes = heap.memory.buffer.byteLength;
    const sizes: number[] = [];
    const shapes = [
      { steps: 2, batch: 1, units: 3 },
      { steps: 20, batch: 4, units: 8 },
      { steps: 60, batch: 16, units: 32 },
      { steps: 150, batch: 32, units: 64 },
      { steps: 400, batch: 32, units: 64 },
    ];
    shapes.forEach((shape, i) => {
      const inputs = randomInputs({ ...shape, masked: i % 2 === 1 }, 7 + i);
      expectSameBits(passes(growing, shape, inputs), passes(oneThread, shape, inputs));
      sizes.push(growing.workspaceBytes);
    });
    expect(new Set(sizes).size).toBe(sizes.length); // every call grew the workspace
    expect(heap.memory.buffer.byteLength).toBeGreaterThan(heapBytes);
  });
});

describe('a helper thread that fails', () => {
  const shape = { steps: 3, batch: 2, units: 4 };
  const inputs = randomInputs({ ...shape, masked: false }, 1);

  it('makes the next call throw once it was terminated, instead of waiting for it', async () => {
    const { kernel, helper } = await startTwoThreadBilstmKernel(sharedModule, heap, ALWAYS_PARALLEL);
    const { history } = kernel.forwardRecorded(shape, inputs);
    await helper.terminate();
    expect(() => kernel.forward(shape, inputs)).toThrow(/helper thread has stopped \(it was terminated\)/);
    expect(() => kernel.backward(shape, { ...inputs, history })).toThrow(/helper thread has stopped/);
  });

  it('makes the call throw its error when its direction traps, and stays usable', async () => {
    const helper = await DirectionHelper.start(trappingHelperModule(), heap.memory, ALWAYS_PARALLEL);
    helpers.push(helper);
    const kernel = BilstmKernel.fromInstance(await onHeap(), heap, helper);
    expect(() => kernel.forward(shape, inputs)).toThrow(/helper thread failed in direction 1: RuntimeError: unreachable/);
    expect(() => kernel.forward(shape, inputs)).toThrow(/helper thread failed in direction 1: RuntimeError: unreachable/);
  });

  it('is not asked for passes below minParallelWork, which run on the calling thread', async () => {
    const helper = await DirectionHelper.start(trappingHelperModule(), heap.memory, { minParallelWork: 1_000 });
    helpers.push(helper);
    const kernel = BilstmKernel.fromInstance(await onHeap(), heap, helper);
    // T·B·H² = 3·2·16 = 96: both directions here, the same bits as the one-thread kernel.
    expectSameBits(passes(kernel, shape, inputs), passes(oneThread, shape, inputs));
    const large = { steps: 4, batch: 2, units: 16 }; // 2,048: the trapping helper takes direction 1
    expect(() => kernel.forward(large, randomInputs({ ...large, masked: false }, 2))).toThrow(/RuntimeError: unreachable/);
  });

  it('by default leaves a single text of up to 244 tokens to the calling thread, and gives it batches of 4', async () => {
    const helper = await DirectionHelper.start(trappingHelperModule(), heap.memory);
    helpers.push(helper);
    const kernel = BilstmKernel.fromInstance(await onHeap(), heap, helper);
    // T·B·H² = 244·64² = 999,424: below the default 10⁶, both directions here.
    const single = { steps: 244, batch: 1, units: 64 };
    const inputs = randomInputs({ ...single, masked: false }, 3);
    expect(firstDifference(kernel.forward(single, inputs).slice(), oneThread.forward(single, inputs))).toBeNull();
    const batch = { steps: 100, batch: 4, units: 64 }; // 1,638,400: the trapping helper takes direction 1
    expect(() => kernel.forward(batch, randomInputs({ ...batch, masked: false }, 4))).toThrow(/RuntimeError: unreachable/);
  });

  it('rejects its start, saying why, when it cannot instantiate the module', async () => {
    await expect(DirectionHelper.start(trappingHelperModule({ sharedMemory: false }), heap.memory)).rejects.toThrow(
      /helper thread did not start: it threw LinkError.*shared/,
    );
  });

  it('refuses to start over a heap that is not shared', async () => {
    await expect(DirectionHelper.start(sharedModule, new WebAssembly.Memory({ initial: 1 }))).rejects.toThrow(
      'bilstm kernel: two threads need a shared heap: start tfjs with threads ≥ 2 (startNodeBackend({ threads: 2 }))',
    );
  });

  it('refuses an instance outside the heap, or a helper outside it', async () => {
    const otherMemory = () => new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const helper = await DirectionHelper.start(sharedModule, heap.memory);
    helpers.push(helper);
    const own = await WebAssembly.instantiate(sharedModule, { env: { memory: otherMemory() } });
    expect(() => BilstmKernel.fromInstance(own, heap, helper)).toThrow("the instance must import the heap's memory as env.memory");
    const elsewhere = await DirectionHelper.start(sharedModule, otherMemory());
    helpers.push(elsewhere);
    const onTheHeap = await onHeap();
    expect(() => BilstmKernel.fromInstance(onTheHeap, heap, elsewhere)).toThrow(
      "the heap must be the memory its direction runner's thread shares",
    );
  });
});

/**
 * A module that imports a memory as bilstm-shared.wasm does (shared unless
 * told otherwise), and whose `loadPlan`, the first thing the helper calls
 * in a pass, traps (`unreachable`).
 */
function trappingHelperModule({ sharedMemory = true } = {}): WebAssembly.Module {
  const name = (text: string) => [text.length, ...new TextEncoder().encode(text)];
  const section = (id: number, ...content: number[]) => [id, content.length, ...content];
  const i32 = 0x7f;
  return new WebAssembly.Module(
    new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
      ...section(1, 1, 0x60, 1, i32, 0), // type 0: (i32) → ()
      // memory, 1 to 65536 pages, flags: has a maximum | shared
      ...section(2, 1, ...name('env'), ...name('memory'), 0x02, sharedMemory ? 0x03 : 0x01, 1, 0x80, 0x80, 0x04),
      ...section(3, 1, 0), // function 0, of type 0
      ...section(7, 1, ...name('loadPlan'), 0x00, 0), // exports function 0
      ...section(10, 1, 3, 0, 0x00, 0x0b), // its body: no locals, unreachable, end
    ]),
  );
}

describe('startNodeBilstmKernel({ threads })', () => {
  it('refuses a thread count that is not an integer ≥ 1', async () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      await expect(startNodeBilstmKernel({ threads })).rejects.toThrow(RangeError);
    }
    expect(recurrenceEngine()).toBe('reference');
  });

  it('with more than 2 threads, installs the two-thread kernel as the model runs it', async () => {
    await startNodeBackend();
    await startNodeBilstmKernel({ threads: 4 });
    expect(recurrenceEngine()).toBe('kernel');
    const difference = compareRecurrenceEngines({ steps: 30, batch: 4, units: 5, lengths: [30, 0, 12, 1] }, 3);
    expect(difference.outputError).toBeLessThan(1e-5);
    expect(difference.projectedGradientError).toBeLessThan(1e-4);
    expect(difference.recurrentGradientError).toBeLessThan(1e-4);
  });
});
