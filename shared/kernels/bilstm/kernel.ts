import type { RecurrenceShape, TimeMask } from '../../model/ops/bidirectional-recurrence';
import { RegionStack, type Region } from './region-stack';

/** What `assembly/bilstm.ts` exports; `bool` parameters are 0 or 1. */
interface BilstmExports {
  memory: WebAssembly.Memory;
  planForward(steps: number, batch: number, units: number, keepHistory: number, base: number, historyAt: number): number;
  planBackward(steps: number, batch: number, units: number, base: number, historyAt: number): number;
  historyFloats(steps: number, batch: number, units: number): number;
  recurrentOffset(): number;
  projectedOffset(): number;
  maskOffset(): number;
  statesOffset(): number;
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
  'historyFloats',
  'recurrentOffset',
  'projectedOffset',
  'maskOffset',
  'statesOffset',
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
  /** Where the plan starts: above every history the kernel keeps. */
  base: number;
  /** The pass's history, when it keeps one (0 otherwise). */
  historyAt: number;
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
  /** What {@link BilstmKernel.forwardRecorded} returned as `history`, not yet released. */
  history: RecordedHistory;
}

/**
 * The gates and states of every step of a training forward pass, which its
 * backward pass reads, kept in the kernel's memory until released (see
 * {@link BilstmKernel.release}). Opaque.
 */
export interface RecordedHistory {
  readonly shape: RecurrenceShape;
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
 * next call. The memory grows to the largest call and is reused.
 *
 * The history a training forward pass records for its backward pass stays in
 * the kernel's memory, stacked below every later call's plan, until it is
 * released: copying it out to JavaScript and back in cost a tutorial training
 * step 2.2–2.8 ms (~30 MB for its two layers). A history whose backward pass
 * never runs is released when its handle is garbage-collected.
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
  /** Offset 0 is never handed out. */
  private readonly histories = new RegionStack(16);
  private readonly regions = new WeakMap<RecordedHistory, Region>();
  /**
   * Only where the runtime has a FinalizationRegistry (Workers run its
   * callbacks only with their `enable_weak_ref` compatibility flag): serving
   * records no history, so it needs none.
   */
  private readonly unreleased =
    typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Region>((region) => this.histories.release(region)) : undefined;

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
    this.runForward(shape, inputs, null);
    return this.states(shape);
  }

  /** The states (a view, as {@link forward}), and the history its backward pass needs. */
  forwardRecorded(shape: RecurrenceShape, inputs: ForwardInputs): { states: Float32Array; history: RecordedHistory } {
    // runForward checks the sizes; a pass that throws gives its region back.
    const region = this.histories.push(this.wasm.historyFloats(shape.steps, shape.batch, shape.units) * Float32Array.BYTES_PER_ELEMENT);
    try {
      this.runForward(shape, inputs, region);
    } catch (error) {
      this.histories.release(region);
      throw error;
    }
    const history: RecordedHistory = { shape: { ...shape } };
    this.regions.set(history, region);
    this.unreleased?.register(history, region, history);
    return { states: this.states(shape), history };
  }

  /**
   * Frees a history whose backward pass has run, or never will: the kernel's
   * memory above it is reused once every later history is released too.
   * Releasing twice does nothing.
   */
  release(history: RecordedHistory): void {
    const region = this.regions.get(history);
    if (!region || region.released) return;
    this.unreleased?.unregister(history);
    this.histories.release(region);
  }

  /** Histories kept in the kernel's memory: released ones count until those above them are released too. */
  get keptHistories(): number {
    return this.histories.size;
  }

  /** @throws Error when `inputs.history` is released, of another kernel or of another shape */
  backward(shape: RecurrenceShape, inputs: BackwardInputs): Gradients {
    const { steps, batch, units } = shape;
    assertSizes(shape, inputs);
    assertLength('dStates', inputs.dStates, steps * batch * 2 * units);
    const region = this.regions.get(inputs.history);
    if (!region) throw new Error('bilstm kernel: this history was not recorded by this kernel');
    if (region.released) throw new Error('bilstm kernel: this history was released; run the forward pass again');
    const recorded = inputs.history.shape;
    if (recorded.steps !== steps || recorded.batch !== batch || recorded.units !== units) {
      throw new RangeError(`bilstm kernel: the history is of T = ${recorded.steps}, B = ${recorded.batch}, H = ${recorded.units}, not of this pass`);
    }
    const pass: Pass = { kind: 'backward', ...shape, keepHistory: true, masked: Boolean(inputs.mask), base: this.histories.top, historyAt: region.offset };
    this.plan(shape, () => this.wasm.planBackward(steps, batch, units, pass.base, pass.historyAt));
    this.write(this.wasm.recurrentOffset(), inputs.recurrent);
    if (inputs.mask) this.write(this.wasm.maskOffset(), inputs.mask);
    this.write(this.wasm.dStatesOffset(), inputs.dStates);
    this.runPass(pass);
    return {
      dProjected: this.view(this.wasm.dProjectedOffset(), steps * batch * 8 * units),
      dProjectedTransposed: this.view(this.wasm.dProjectedTransposedOffset(), 8 * units * steps * batch),
      dProjectedSums: this.view(this.wasm.dProjectedSumsOffset(), 8 * units),
      dRecurrent: this.view(this.wasm.dRecurrentOffset(), 2 * units * 8 * units),
    };
  }

  /** Runs a forward pass that records its history in `history`, or keeps none. */
  private runForward(shape: RecurrenceShape, inputs: ForwardInputs, history: Region | null): void {
    const { steps, batch, units } = shape;
    assertSizes(shape, inputs);
    assertLength('projected', inputs.projected, steps * batch * 8 * units);
    const pass: Pass = {
      kind: 'forward',
      ...shape,
      keepHistory: history !== null,
      masked: Boolean(inputs.mask),
      base: this.histories.top,
      historyAt: history?.offset ?? 0,
    };
    this.plan(shape, () => this.wasm.planForward(steps, batch, units, pass.keepHistory ? 1 : 0, pass.base, pass.historyAt));
    this.write(this.wasm.recurrentOffset(), inputs.recurrent);
    this.write(this.wasm.projectedOffset(), inputs.projected);
    if (inputs.mask) this.write(this.wasm.maskOffset(), inputs.mask);
    this.runPass(pass);
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
