import type { RecurrenceShape, TimeMask } from '../../model/ops/bidirectional-recurrence';

/** What `assembly/bilstm.ts` exports; `bool` parameters are 0 or 1. */
interface BilstmExports {
  memory: WebAssembly.Memory;
  planForward(steps: number, batch: number, units: number, keepHistory: number): number;
  planBackward(steps: number, batch: number, units: number): number;
  recurrentOffset(): number;
  projectedOffset(): number;
  maskOffset(): number;
  statesOffset(): number;
  recordOffset(): number;
  recordLength(): number;
  dStatesOffset(): number;
  dProjectedOffset(): number;
  dProjectedTransposedOffset(): number;
  dProjectedSumsOffset(): number;
  dRecurrentOffset(): number;
  prepareForward(): void;
  forwardDirection(direction: number, masked: number): void;
  prepareBackward(): void;
  backwardDirection(direction: number, masked: number): void;
}

const EXPORTED_FUNCTIONS = [
  'planForward',
  'planBackward',
  'recurrentOffset',
  'projectedOffset',
  'maskOffset',
  'statesOffset',
  'recordOffset',
  'recordLength',
  'dStatesOffset',
  'dProjectedOffset',
  'dProjectedTransposedOffset',
  'dProjectedSumsOffset',
  'dRecurrentOffset',
  'prepareForward',
  'forwardDirection',
  'prepareBackward',
  'backwardDirection',
] as const;

/** One planned pass, as a second instance of the module needs it to plan the same and run a direction. */
export interface Pass {
  kind: 'forward' | 'backward';
  steps: number;
  batch: number;
  units: number;
  /** The forward pass's `keepHistory` (always true for a backward pass). */
  keepHistory: boolean;
  masked: boolean;
}

/**
 * Runs the two directions of a prepared pass. The kernel's own runs them one
 * after the other on the calling thread; `DirectionHelper` (Node only) runs
 * direction 1 on a second thread, over the same shared memory.
 */
export interface DirectionRunner {
  /** Returns once both directions are done; `runHere(direction)` runs one on the calling thread. */
  runDirections(pass: Pass, runHere: (direction: 0 | 1) => void): void;
  /** When set, the memory the kernel's instance must use: the one the runner's thread shares. */
  readonly memory?: WebAssembly.Memory;
}

/** Spare records kept per size: a model's layers of equal size each hold one between steps. */
const MAX_SPARE_RECORDS = 4;

const ONE_THREAD: DirectionRunner = {
  runDirections(_pass, runHere) {
    runHere(0);
    runHere(1);
  },
};

export interface ForwardInputs {
  /** [T, B, 8H], time-aligned, gate-major. */
  projected: Float32Array;
  /** [2H, 8H], block-diagonal, gate-major. */
  recurrent: Float32Array;
  /** [T·B] of 0 and 1, or null. */
  mask: TimeMask | null;
}

export interface BackwardInputs {
  recurrent: Float32Array;
  mask: TimeMask | null;
  /** d(states), [T, B, 2H]. */
  dStates: Float32Array;
  /** What {@link BilstmKernel.forwardRecorded} returned as `record`. */
  record: Float32Array;
}

/** Views of the kernel's memory, valid until its next call. */
export interface Gradients {
  /** [T, B, 8H]. */
  dProjected: Float32Array;
  /**
   * dProjected as [8H, T·B], and summed over its T·B rows, [8H]: written
   * with it, for the projection's weight and bias gradients, which would
   * otherwise transpose it (see `offerGradientByproducts`).
   */
  dProjectedTransposed: Float32Array;
  dProjectedSums: Float32Array;
  /** [2H, 8H]; its off-diagonal blocks are 0 (see op.ts). */
  dRecurrent: Float32Array;
}

/**
 * The compiled kernel, instantiated, behind typed arrays: each call copies
 * its inputs into the kernel's memory; the states a forward pass returns and
 * the gradients of a backward pass are views of that memory, valid until the
 * next call, and the record comes out as a copy. Nothing else is shared
 * between calls but the memory's size, which grows to the largest call and is
 * reused.
 *
 * The record a training forward pass hands back (the gates and states of
 * every step) lives in JavaScript until the backward pass copies it back:
 * a forward pass whose backward never runs then costs nothing once
 * garbage-collected, where a record kept in the kernel's memory would need
 * the tape to free it. A record whose backward has run can be recycled.
 *
 * With a {@link DirectionRunner} of its own, the kernel hands it each pass's
 * two directions, which are independent, to run as it likes; see
 * `startTwoThreadBilstmKernel` (Node only).
 *
 * @example
 * const kernel = BilstmKernel.fromInstance(await WebAssembly.instantiate(module));
 * const states = kernel.forward({ steps: 100, batch: 1, units: 64 }, { projected, recurrent, mask: null });
 * const kept = states.slice(); // before the next call reuses the memory
 */
export class BilstmKernel {
  /** Recycled records by length (see {@link recycle}). */
  private readonly spareRecords = new Map<number, Float32Array[]>();

  private constructor(
    private readonly wasm: BilstmExports,
    private readonly directions: DirectionRunner,
  ) {}

  /**
   * @throws TypeError when `instance` is not of the bilstm kernel's module, or
   *   does not use the memory `directions` shares
   */
  static fromInstance(instance: WebAssembly.Instance, directions: DirectionRunner = ONE_THREAD): BilstmKernel {
    const exports = instance.exports as Record<string, unknown>;
    const missing = [
      ...EXPORTED_FUNCTIONS.filter((name) => typeof exports[name] !== 'function'),
      ...(exports.memory instanceof WebAssembly.Memory ? [] : ['memory']),
    ];
    if (missing.length > 0) {
      throw new TypeError(`BilstmKernel: not the bilstm kernel's module: it does not export ${missing.join(', ')}`);
    }
    if (directions.memory && directions.memory !== exports.memory) {
      throw new TypeError("BilstmKernel: the instance must import the memory its direction runner's thread shares");
    }
    return new BilstmKernel(exports as unknown as BilstmExports, directions);
  }

  /** The size of the kernel's memory: it grows to fit the largest call so far, then is reused. */
  get memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength;
  }

  /**
   * States [T, B, 2H], time-aligned, as `bidirectionalRecurrence` returns
   * them: a view of the kernel's memory, valid until its next call. Serving
   * copies it straight into a tensor, so a request allocates nothing here.
   */
  forward(shape: RecurrenceShape, inputs: ForwardInputs): Float32Array {
    this.runForward(shape, inputs, false);
    return this.states(shape);
  }

  /** The states (a view, as {@link forward}), and a copy of the record its backward pass needs. */
  forwardRecorded(shape: RecurrenceShape, inputs: ForwardInputs): { states: Float32Array; record: Float32Array } {
    this.runForward(shape, inputs, true);
    const length = this.wasm.recordLength();
    const record = this.spareRecords.get(length)?.pop() ?? new Float32Array(length);
    record.set(this.view(this.wasm.recordOffset(), length));
    return { states: this.states(shape), record };
  }

  /**
   * Takes back a record whose backward pass has run, for a later forward
   * pass of the same size to refill instead of allocating: a training step
   * of the tutorial model would otherwise leave ~15 MB of records a step to
   * the garbage collector. The caller must not use `record` again.
   */
  recycle(record: Float32Array): void {
    const spares = this.spareRecords.get(record.length) ?? [];
    if (spares.length < MAX_SPARE_RECORDS && !spares.includes(record)) spares.push(record);
    this.spareRecords.set(record.length, spares);
  }

  backward(shape: RecurrenceShape, inputs: BackwardInputs): Gradients {
    const { steps, batch, units } = shape;
    assertSizes(shape, inputs);
    assertLength('dStates', inputs.dStates, steps * batch * 2 * units);
    this.plan(shape, () => this.wasm.planBackward(steps, batch, units));
    assertLength('record', inputs.record, this.wasm.recordLength());
    this.write(this.wasm.recurrentOffset(), inputs.recurrent);
    if (inputs.mask) this.write(this.wasm.maskOffset(), inputs.mask);
    this.write(this.wasm.dStatesOffset(), inputs.dStates);
    this.write(this.wasm.recordOffset(), inputs.record);
    this.runPass({ kind: 'backward', ...shape, keepHistory: true, masked: Boolean(inputs.mask) });
    return {
      dProjected: this.view(this.wasm.dProjectedOffset(), steps * batch * 8 * units),
      dProjectedTransposed: this.view(this.wasm.dProjectedTransposedOffset(), 8 * units * steps * batch),
      dProjectedSums: this.view(this.wasm.dProjectedSumsOffset(), 8 * units),
      dRecurrent: this.view(this.wasm.dRecurrentOffset(), 2 * units * 8 * units),
    };
  }

  private runForward(shape: RecurrenceShape, inputs: ForwardInputs, keepHistory: boolean): void {
    const { steps, batch, units } = shape;
    assertSizes(shape, inputs);
    assertLength('projected', inputs.projected, steps * batch * 8 * units);
    this.plan(shape, () => this.wasm.planForward(steps, batch, units, keepHistory ? 1 : 0));
    this.write(this.wasm.recurrentOffset(), inputs.recurrent);
    this.write(this.wasm.projectedOffset(), inputs.projected);
    if (inputs.mask) this.write(this.wasm.maskOffset(), inputs.mask);
    this.runPass({ kind: 'forward', ...shape, keepHistory, masked: Boolean(inputs.mask) });
  }

  /** Runs the planned pass, its inputs written. */
  private runPass(pass: Pass): void {
    const { wasm } = this;
    const masked = pass.masked ? 1 : 0;
    const forward = pass.kind === 'forward';
    if (forward) wasm.prepareForward();
    else wasm.prepareBackward();
    const runDirection = forward ? wasm.forwardDirection : wasm.backwardDirection;
    this.directions.runDirections(pass, (direction) => runDirection(direction, masked));
  }

  private states({ steps, batch, units }: RecurrenceShape): Float32Array {
    return this.view(this.wasm.statesOffset(), steps * batch * 2 * units);
  }

  private plan({ steps, batch, units }: RecurrenceShape, plan: () => number): void {
    if (plan() !== 1) {
      throw new RangeError(
        `bilstm kernel: cannot grow its memory for T = ${steps}, B = ${batch}, H = ${units}; use shorter texts or smaller batches`,
      );
    }
  }

  // Views are taken after planning: growing the memory detaches older ones
  // (those of a shared memory, it leaves too short).
  private write(offset: number, values: Float32Array): void {
    new Float32Array(this.wasm.memory.buffer, offset, values.length).set(values);
  }

  private view(offset: number, length: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, offset, length);
  }
}

function assertSizes(shape: RecurrenceShape, inputs: { recurrent: Float32Array; mask: TimeMask | null }): void {
  for (const [name, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`bilstm kernel: ${name} must be a positive integer, got ${value}`);
    }
  }
  const { steps, batch, units } = shape;
  assertLength('recurrent', inputs.recurrent, 2 * units * 8 * units);
  if (inputs.mask) assertLength('mask', inputs.mask, steps * batch);
}

function assertLength(name: string, values: Float32Array, expected: number): void {
  if (values.length !== expected) {
    throw new RangeError(`bilstm kernel: ${name} has ${values.length} values, expected ${expected}`);
  }
}
