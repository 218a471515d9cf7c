import { heapAddress, type WasmHeap } from '../../backend/wasm-heap';
import type { RecurrenceShape, TimeMask } from '../../model/ops/bidirectional-recurrence';

/** What `assembly/bilstm.ts` exports; `bool` parameters are 0 or 1, addresses 0 where not placed. */
interface BilstmExports {
  memory: WebAssembly.Memory;
  planForward(
    steps: number,
    batch: number,
    units: number,
    keepHistory: number,
    base: number,
    historyAt: number,
    recurrentAt: number,
    projectedAt: number,
    statesAt: number,
    tilesAt: number,
    alreadyPacked: number,
  ): number;
  planBackward(
    steps: number,
    batch: number,
    units: number,
    base: number,
    historyAt: number,
    recurrentAt: number,
    dStatesAt: number,
    dProjectedAt: number,
    dProjectedTransposedAt: number,
    dProjectedSumsAt: number,
    dRecurrentAt: number,
    weightGradients: number,
  ): number;
  loadPlan(base: number): void;
  historyFloats(steps: number, batch: number, units: number): number;
  recurrentTilesFloats(units: number): number;
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
  'loadPlan',
  'historyFloats',
  'recurrentTilesFloats',
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

/** One planned pass, as a second instance of the module needs it to run a direction. */
export interface Pass {
  kind: 'forward' | 'backward';
  steps: number;
  batch: number;
  units: number;
  masked: boolean;
  /** Where the plan is stored, for `loadPlan`. */
  planAt: number;
}

/**
 * Runs the two directions of a prepared pass. The kernel's own runs them one
 * after the other on the calling thread; `DirectionHelper` (Node only) runs
 * direction 1 on a second thread, over the same shared memory.
 */
export interface DirectionRunner {
  /** Returns once both directions are done; `runHere(direction)` runs one on the calling thread. */
  runDirections(pass: Pass, runHere: (direction: 0 | 1) => void): void;
  /** When set, the memory the runner's thread works in: the kernel's heap must be it. */
  readonly memory?: WebAssembly.Memory;
}

const ONE_THREAD: DirectionRunner = {
  runDirections(_pass, runHere) {
    runHere(0);
    runHere(1);
  },
};

/**
 * A pass's arrays: a view of the kernel's heap (a tensor's values, see
 * `float32Values`) is read in place; any other array is copied in.
 */
export interface ForwardInputs {
  /** [T, B, 8H], time-aligned, gate-major. */
  projected: Float32Array;
  /** [2H, 8H], block-diagonal, gate-major. */
  recurrent: Float32Array;
  /** [T·B] of 0 and 1, or null. */
  mask: TimeMask | null;
  /**
   * Where the pass keeps `recurrent` packed for its products (see
   * {@link BilstmKernel.recurrentTiles}): packed by the first pass given
   * them, reused by every later one, which then does not read `recurrent`.
   */
  tiles?: RecurrentTiles;
}

/**
 * A layer's recurrent weights as the forward pass's products read them,
 * kept in the kernel's heap for passes that all run with the same weights,
 * as serving does: packing them costs a pass ~5 µs per layer (H = 64),
 * a tenth of a short text's whole prediction. Opaque.
 */
export interface RecurrentTiles {
  readonly units: number;
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
 * backward pass reads, kept in the kernel's heap until released (see
 * {@link BilstmKernel.release}). Opaque.
 */
export interface RecordedHistory {
  readonly shape: RecurrenceShape;
}

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

/** Each gradient's length in floats. */
function gradientLengths({ steps, batch, units }: RecurrenceShape): Record<keyof Gradients, number> {
  return {
    dProjected: steps * batch * 8 * units,
    dProjectedTransposed: 8 * units * steps * batch,
    dProjectedSums: 8 * units,
    dRecurrent: 2 * units * 8 * units,
  };
}

/** Cache-line aligned: SIMD loads want 16 bytes, and two threads never share a line at an allocation's edge. */
const ALIGNMENT = 64;

/** Bytes from the heap, from `start` (`address` rounded up to {@link ALIGNMENT}) on. */
interface Allocation {
  readonly address: number;
  readonly start: number;
  readonly bytes: number;
}

/**
 * What a kernel holds in the heap, kept apart from the kernel so that
 * `holdingsOfCollected` can free it once the kernel is garbage-collected:
 * the heap outlives the kernel.
 */
interface Holdings {
  readonly heap: WasmHeap;
  workspace: Allocation | null;
  /** The histories recorded and not yet released. */
  readonly histories: Set<Allocation>;
  /** The recurrent tiles made and not yet released. */
  readonly tiles: Set<Allocation>;
}

const holdingsOfCollected =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Holdings>(({ heap, workspace, histories, tiles }) => {
        if (workspace) heap.free(workspace.address);
        for (const held of [...histories, ...tiles]) heap.free(held.address);
      })
    : undefined;

/**
 * The compiled kernel, instantiated over tfjs's heap (see `WasmHeap`): it
 * reads its inputs and writes its outputs where the tensors are, when given
 * views of that heap; other arrays are copied in, and outputs without a
 * place are views of the kernel's workspace, valid until its next call. The
 * workspace, allocated from the heap, grows to the largest call and is
 * reused.
 *
 * The history a training forward pass records for its backward pass stays in
 * the heap until released: copying it out to JavaScript and back in cost a
 * tutorial training step 2.2–2.8 ms (~30 MB for its two layers). A history
 * whose backward pass never runs is released when its handle is
 * garbage-collected; the workspace and any history left, when the kernel is.
 *
 * With a {@link DirectionRunner} of its own, the kernel hands it each pass's
 * two directions, which are independent, to run as it likes; see
 * `startTwoThreadBilstmKernel` (Node only).
 *
 * @example
 * const heap = wasmHeap();
 * const instance = await WebAssembly.instantiate(bilstmModule, { env: { memory: heap.memory } });
 * const kernel = BilstmKernel.fromInstance(instance, heap);
 * const states = kernel.forward({ steps: 100, batch: 1, units: 64 }, { projected, recurrent, mask: null });
 * const kept = states.slice(); // before the next call reuses the workspace
 */
export class BilstmKernel {
  private readonly holdings: Holdings;
  private readonly histories = new WeakMap<RecordedHistory, Allocation>();
  /** Each tiles handle's allocation, and whether a pass has packed it. */
  private readonly tiles = new WeakMap<RecurrentTiles, { allocation: Allocation; packed: boolean }>();
  /**
   * Only where the runtime has a FinalizationRegistry (Workers run its
   * callbacks only with their `enable_weak_ref` compatibility flag): serving
   * records no history, and releases the tiles it no longer uses itself
   * (`RecentTiles`), so it needs none.
   */
  private readonly unreleased =
    typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Allocation>((held) => this.free(held)) : undefined;

  private constructor(
    private readonly wasm: BilstmExports,
    private readonly heap: WasmHeap,
    private readonly directions: DirectionRunner,
  ) {
    this.holdings = { heap, workspace: null, histories: new Set(), tiles: new Set() };
    holdingsOfCollected?.register(this, this.holdings);
  }

  /**
   * @throws TypeError when `instance` is not of the bilstm kernel's module,
   *   or does not work in `heap`'s memory, or that memory is not the one
   *   `directions` shares
   */
  static fromInstance(instance: WebAssembly.Instance, heap: WasmHeap, directions: DirectionRunner = ONE_THREAD): BilstmKernel {
    const exports = instance.exports as Record<string, unknown>;
    const missing = [
      ...EXPORTED_FUNCTIONS.filter((name) => typeof exports[name] !== 'function'),
      ...(exports.memory instanceof WebAssembly.Memory ? [] : ['memory']),
    ];
    if (missing.length > 0) {
      throw new TypeError(`BilstmKernel: not the bilstm kernel's module: it does not export ${missing.join(', ')}`);
    }
    if (exports.memory !== heap.memory) {
      throw new TypeError("BilstmKernel: the instance must import the heap's memory as env.memory");
    }
    if (directions.memory && directions.memory !== heap.memory) {
      throw new TypeError("BilstmKernel: the heap must be the memory its direction runner's thread shares");
    }
    return new BilstmKernel(exports as unknown as BilstmExports, heap, directions);
  }

  /** The workspace's size: it grows to fit the largest call so far, then is reused. */
  get workspaceBytes(): number {
    return this.holdings.workspace?.bytes ?? 0;
  }

  /**
   * States [T, B, 2H], time-aligned, as `bidirectionalRecurrence` returns
   * them: written into `into` (a tensor's values to fill, in place when a
   * view of the heap) and returned, or else a view of the workspace, valid
   * until the next call.
   */
  forward(shape: RecurrenceShape, inputs: ForwardInputs, into?: Float32Array): Float32Array {
    assertForward(shape, inputs);
    return this.runForward(shape, inputs, false, into).states;
  }

  /** The states (as {@link forward}), and the history its backward pass needs. */
  forwardRecorded(
    shape: RecurrenceShape,
    inputs: ForwardInputs,
    into?: Float32Array,
  ): { states: Float32Array; history: RecordedHistory } {
    assertForward(shape, inputs);
    const { states, history } = this.runForward(shape, inputs, true, into);
    const handle: RecordedHistory = { shape: { ...shape } };
    this.histories.set(handle, history!);
    this.unreleased?.register(handle, history!, handle);
    return { states, history: handle };
  }

  /**
   * Room in the heap for a layer's recurrent weights of H = `units` packed
   * (see {@link ForwardInputs.tiles}), until released or garbage-collected.
   *
   * @example
   * const tiles = kernel.recurrentTiles(64);
   * kernel.forward(shape, { projected, recurrent, mask: null, tiles }); // packs `recurrent` into tiles
   * kernel.forward(shape, { projected: next, recurrent, mask: null, tiles }); // reuses them
   * kernel.release(tiles);
   */
  recurrentTiles(units: number): RecurrentTiles {
    assertPositiveInteger('units', units);
    const allocation = this.allocate(this.wasm.recurrentTilesFloats(units) * 4, { steps: 1, batch: 1, units });
    this.holdings.tiles.add(allocation);
    const handle: RecurrentTiles = { units };
    this.tiles.set(handle, { allocation, packed: false });
    this.unreleased?.register(handle, allocation, handle);
    return handle;
  }

  /**
   * Frees a history whose backward pass has run, or never will, or tiles no
   * pass will use again. Releasing twice does nothing.
   */
  release(held: RecordedHistory | RecurrentTiles): void {
    const allocation = this.histories.get(held as RecordedHistory) ?? this.tiles.get(held as RecurrentTiles)?.allocation;
    if (!allocation) return;
    this.unreleased?.unregister(held);
    this.free(allocation);
  }

  /** Histories kept in the heap. */
  get keptHistories(): number {
    return this.holdings.histories.size;
  }

  /** Recurrent tiles kept in the heap. */
  get keptTiles(): number {
    return this.holdings.tiles.size;
  }

  /**
   * The gradients, written into `into`'s arrays where given (in place when
   * views of the heap), else views of the workspace, valid until the next call.
   *
   * @throws Error when `inputs.history` is released, of another kernel or of another shape
   */
  backward(shape: RecurrenceShape, inputs: BackwardInputs, into: Partial<Gradients> = {}): Gradients {
    const at = this.runBackward(shape, inputs, into, true);
    const lengths = gradientLengths(shape);
    return {
      dProjected: this.copyOut(at.dProjected, this.wasm.dProjectedOffset(), lengths.dProjected, into.dProjected),
      dProjectedTransposed: this.copyOut(
        at.dProjectedTransposed,
        this.wasm.dProjectedTransposedOffset(),
        lengths.dProjectedTransposed,
        into.dProjectedTransposed,
      ),
      dProjectedSums: this.copyOut(at.dProjectedSums, this.wasm.dProjectedSumsOffset(), lengths.dProjectedSums, into.dProjectedSums),
      dRecurrent: this.copyOut(at.dRecurrent, this.wasm.dRecurrentOffset(), lengths.dRecurrent, into.dRecurrent),
    };
  }

  /**
   * dProjected alone, as {@link backward} gives it, for a pass whose weights
   * are constants (explaining a prediction): it skips dRecurrent and the
   * byproducts; at batch 1, dRecurrent alone reads and writes the whole
   * [Hp, 4Hp] gradient every step for Hp·4Hp multiply-adds.
   *
   * @throws Error as {@link backward} does
   */
  inputGradient(shape: RecurrenceShape, inputs: BackwardInputs, into?: Float32Array): Float32Array {
    const at = this.runBackward(shape, inputs, { dProjected: into }, false);
    return this.copyOut(at.dProjected, this.wasm.dProjectedOffset(), gradientLengths(shape).dProjected, into);
  }

  /** Checks, plans and runs a backward pass; returns the outputs' addresses (0: in the plan). */
  private runBackward(
    shape: RecurrenceShape,
    inputs: BackwardInputs,
    into: Partial<Gradients>,
    weightGradients: boolean,
  ): Record<keyof Gradients, number> {
    const { steps, batch, units } = shape;
    assertSizes(shape, inputs);
    assertLength('dStates', inputs.dStates, steps * batch * 2 * units);
    const lengths = gradientLengths(shape);
    for (const [name, array] of Object.entries(into)) if (array) assertLength(name, array, lengths[name as keyof Gradients]);
    const history = this.histories.get(inputs.history);
    if (!history) throw new Error('bilstm kernel: this history was not recorded by this kernel');
    if (!this.holdings.histories.has(history)) throw new Error('bilstm kernel: this history was released; run the forward pass again');
    const recorded = inputs.history.shape;
    if (recorded.steps !== steps || recorded.batch !== batch || recorded.units !== units) {
      throw new RangeError(`bilstm kernel: the history is of T = ${recorded.steps}, B = ${recorded.batch}, H = ${recorded.units}, not of this pass`);
    }
    // Addresses first: planning may grow the heap, which detaches the views of an unshared memory.
    const at = {
      recurrent: this.addressOf(inputs.recurrent),
      dStates: this.addressOf(inputs.dStates),
      dProjected: this.addressOf(into.dProjected),
      dProjectedTransposed: this.addressOf(into.dProjectedTransposed),
      dProjectedSums: this.addressOf(into.dProjectedSums),
      dRecurrent: this.addressOf(into.dRecurrent),
    };
    const planAt = this.plan(shape, (base) =>
      this.wasm.planBackward(
        steps,
        batch,
        units,
        base,
        history.start,
        at.recurrent,
        at.dStates,
        at.dProjected,
        at.dProjectedTransposed,
        at.dProjectedSums,
        at.dRecurrent,
        weightGradients ? 1 : 0,
      ),
    );
    this.copyIn(at.recurrent, this.wasm.recurrentOffset(), inputs.recurrent);
    if (inputs.mask) this.copyIn(0, this.wasm.maskOffset(), inputs.mask);
    this.copyIn(at.dStates, this.wasm.dStatesOffset(), inputs.dStates);
    this.runPass({ kind: 'backward', ...shape, masked: Boolean(inputs.mask), planAt });
    return at;
  }

  /**
   * Runs a forward pass whose sizes were checked, recording its history
   * (in a new allocation, returned) when `record`; returns the states.
   */
  private runForward(
    shape: RecurrenceShape,
    inputs: ForwardInputs,
    record: boolean,
    into: Float32Array | undefined,
  ): { states: Float32Array; history: Allocation | null } {
    const { steps, batch, units } = shape;
    const statesLength = steps * batch * 2 * units;
    if (into) assertLength('states', into, statesLength);
    const tiles = inputs.tiles && this.heldTiles(inputs.tiles, units);
    // Addresses first: allocating the history or planning may grow the heap, which detaches the views of an unshared memory.
    const at = { recurrent: this.addressOf(inputs.recurrent), projected: this.addressOf(inputs.projected), states: this.addressOf(into) };
    const history = record ? this.allocate(this.wasm.historyFloats(steps, batch, units) * 4, shape) : null;
    if (history) this.holdings.histories.add(history);
    try {
      const planAt = this.plan(shape, (base) =>
        this.wasm.planForward(
          steps,
          batch,
          units,
          history ? 1 : 0,
          base,
          history?.start ?? 0,
          at.recurrent,
          at.projected,
          at.states,
          tiles?.allocation.start ?? 0,
          tiles?.packed ? 1 : 0,
        ),
      );
      if (!tiles?.packed) this.copyIn(at.recurrent, this.wasm.recurrentOffset(), inputs.recurrent);
      this.copyIn(at.projected, this.wasm.projectedOffset(), inputs.projected);
      if (inputs.mask) this.copyIn(0, this.wasm.maskOffset(), inputs.mask);
      this.runPass({ kind: 'forward', ...shape, masked: Boolean(inputs.mask), planAt });
    } catch (error) {
      if (history) this.free(history);
      throw error;
    }
    if (tiles) tiles.packed = true;
    return { states: this.copyOut(at.states, this.wasm.statesOffset(), statesLength, into), history };
  }

  /** The kernel's record of `tiles`, which must be unreleased and of H = `units`. */
  private heldTiles(tiles: RecurrentTiles, units: number): { allocation: Allocation; packed: boolean } {
    const held = this.tiles.get(tiles);
    if (!held) throw new Error('bilstm kernel: these recurrent tiles were not made by this kernel');
    if (!this.holdings.tiles.has(held.allocation)) throw new Error('bilstm kernel: these recurrent tiles were released; make new ones');
    if (tiles.units !== units) throw new RangeError(`bilstm kernel: the recurrent tiles are of H = ${tiles.units}, not of this pass (H = ${units})`);
    return held;
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

  /**
   * Plans in the workspace, growing it first when the plan does not fit;
   * returns where the plan starts (and is stored).
   */
  private plan(shape: RecurrenceShape, plan: (base: number) => number): number {
    const { holdings } = this;
    // A plan stores itself at its base before it is measured: a workspace always holds that much.
    let workspace = (holdings.workspace ??= this.allocate(ALIGNMENT * 2, shape));
    let end = plan(workspace.start);
    if (end >= 0 && end > workspace.start + workspace.bytes) {
      this.heap.free(workspace.address);
      holdings.workspace = null;
      workspace = holdings.workspace = this.allocate(end - workspace.start, shape);
      end = plan(workspace.start);
    }
    if (end < 0) throw tooLarge(shape);
    return workspace.start;
  }

  private allocate(bytes: number, shape: RecurrenceShape): Allocation {
    const address = this.heap.malloc(bytes + ALIGNMENT);
    if (address === 0) throw tooLarge(shape);
    return { address, start: Math.ceil(address / ALIGNMENT) * ALIGNMENT, bytes };
  }

  private free(held: Allocation): void {
    const { histories, tiles } = this.holdings;
    if (histories.delete(held) || tiles.delete(held)) this.heap.free(held.address);
  }

  /** Where `values` is in the heap, or 0 when it is not a view of it (or absent). */
  private addressOf(values: Float32Array | undefined): number {
    return heapAddress(this.heap, values);
  }

  /** Copies `values` to the plan's `offset` unless they are read in place (`placedAt`). */
  private copyIn(placedAt: number, offset: number, values: Float32Array): void {
    if (placedAt === 0) new Float32Array(this.heap.memory.buffer, offset, values.length).set(values);
  }

  /** The output written in place, or copied from the plan's `offset` into `into`, or a view of the plan. */
  private copyOut(placedAt: number, offset: number, length: number, into: Float32Array | undefined): Float32Array {
    // Taken now: the pass's planning may have grown the heap since the caller's views were made.
    const written = new Float32Array(this.heap.memory.buffer, placedAt || offset, length);
    if (!into || placedAt !== 0) return written;
    into.set(written);
    return into;
  }
}

function tooLarge({ steps, batch, units }: RecurrenceShape): RangeError {
  return new RangeError(
    `bilstm kernel: the heap cannot grow enough for T = ${steps}, B = ${batch}, H = ${units}; use shorter texts or smaller batches`,
  );
}

function assertForward(shape: RecurrenceShape, inputs: ForwardInputs): void {
  assertSizes(shape, inputs);
  assertLength('projected', inputs.projected, shape.steps * shape.batch * 8 * shape.units);
}

function assertSizes(shape: RecurrenceShape, inputs: { recurrent: Float32Array; mask: TimeMask | null }): void {
  for (const [name, value] of Object.entries(shape)) assertPositiveInteger(name, value);
  const { steps, batch, units } = shape;
  assertLength('recurrent', inputs.recurrent, 2 * units * 8 * units);
  if (inputs.mask) assertLength('mask', inputs.mask, steps * batch);
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`bilstm kernel: ${name} must be a positive integer, got ${value}`);
}

function assertLength(name: string, values: Float32Array, expected: number): void {
  if (values.length !== expected) {
    throw new RangeError(`bilstm kernel: ${name} has ${values.length} values, expected ${expected}`);
  }
}
