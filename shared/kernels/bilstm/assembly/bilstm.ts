/**
 * One bidirectional LSTM layer's recurrence, forward and backward (BPTT),
 * over a whole sequence in one call, in WebAssembly SIMD (AssemblyScript).
 *
 * Same data as `shared/model/ops/bidirectional-recurrence.ts`, the reference:
 * `projected` [T, B, 8H] time-aligned with gate-major columns
 * `[i_f i_b | f_f f_b | c_f c_b | o_f o_b]`, `recurrent` [2H, 8H]
 * block-diagonal, an optional 0/1 mask [T·B], states [T, B, 2H] out.
 *
 * Inside, each direction runs on its own, with its own [H, 4H] block of the
 * recurrent weights: the block-diagonal matrix's zero blocks would double the
 * arithmetic. Every row is padded from H to Hp (a multiple of 8) with zero
 * weights, so the SIMD loops have no tails and the padding lanes stay 0.
 *
 * The caller (kernel.ts) gives this module the memory it works in: tfjs's
 * own heap, so that it reads its inputs and writes its outputs where the
 * tensors live. It asks for a plan (`planForward` / `planBackward`) in a
 * workspace of that heap it allocated, from `base` on: each input or output
 * it places (a tensor's address) is used in place, each it leaves at 0 gets
 * room in the plan, at the offset the `*Offset` functions give. The history
 * a training forward pass records for its backward pass (`historyFloats`
 * long) lives where the caller placed it, outside any plan.
 *
 * A forward pass packs each direction's block of the recurrent weights into
 * tiles for its products. Serving runs every text with the same weights, so
 * the caller may place the tiles (`recurrentTilesFloats` long) outside the
 * plan, have the first pass pack them there and later passes skip packing.
 *
 * A pass is `prepare*` once, then `*Direction` for each direction. The two
 * directions share no buffer they write, so in Node they may run at once on
 * two threads: a second instance of this module, over the same shared memory,
 * loads the plan from `base` (`loadPlan`; its globals are its own) and runs
 * direction 1 while this one runs direction 0 (see direction-helper.ts).
 *
 * The record a training forward pass leaves for the backward pass, per
 * direction, step and batch row: `[i f g o | c | h]`, 6·Hp floats, the
 * activated gates and the state after the step (masking applied).
 */

// The current plan: sizes, then byte offsets of its buffers.
let steps: i32 = 0;
let batch: i32 = 0;
let units: i32 = 0;
/** Units rounded up to a multiple of 8. */
let padded: i32 = 0;
/** Record slots per direction: T when keeping history for BPTT, else 2 (current and previous step). */
let slots: i32 = 0;

let recurrentAt: usize = 0;
let projectedAt: usize = 0;
let maskAt: usize = 0;
let statesAt: usize = 0;
let recordAt: usize = 0;
let dStatesAt: usize = 0;
let dProjectedAt: usize = 0;
let dProjectedTransposedAt: usize = 0;
let dProjectedSumsAt: usize = 0;
let dRecurrentAt: usize = 0;
/** A record step of zeros: the state before the first step. */
let zeroAt: usize = 0;

// Scratch, one set per direction: direction 0's offsets below, direction 1's
// `scratchStride` bytes further (see `scratch`).
/** One direction's recurrent block [Hp, 4Hp] (forward), or its transpose [4Hp, Hp] (backward), as tiles. */
let packedAt: usize = 0;
/** The gradient of one direction's block, [Hp, 4Hp]. */
let dPackedAt: usize = 0;
let dhAt: usize = 0;
let dcAt: usize = 0;
let dzAt: usize = 0;
/** The previous step's h transposed, [Hp, B], for dW = Σ h_prevᵀ·dz. */
let hTransposedAt: usize = 0;
/** dz [B, 4Hp] as tiles, for the same product. */
let dzTilesAt: usize = 0;
/** Σ dz over the steps and rows so far, [4Hp]. */
let dzSumsAt: usize = 0;
/** Bytes from a direction 0 scratch buffer to the same buffer of direction 1. */
let scratchStride: usize = 0;
/** The forward pass's tiles at `packedAt` hold the recurrent weights already: a caller placed them, packed by an earlier pass. */
let tilesPacked: bool = false;
/**
 * The backward pass computes dRecurrent and the byproducts (dProjected
 * transposed, and summed): off when the weights are constants, as in
 * explaining a prediction, which needs dProjected alone.
 */
let weightGradients: bool = true;

/** The most a plan may span, in bytes: 4 GiB, all wasm32 can address. */
const MEMORY_LIMIT: i64 = 1 << 32;

let planEnd: i64 = 0;

function reserve(floats: i64): usize {
  const at = planEnd;
  planEnd = (planEnd + floats * 4 + 15) & ~15;
  return <usize>at;
}

/** `at` when the caller placed the buffer there, else room for it in the plan. */
function placeOrReserve(at: usize, floats: i64): usize {
  return at != 0 ? at : reserve(floats);
}

/**
 * Call after reserving direction 0's scratch, which started at `start`:
 * reserves direction 1's copy right after it, on a fresh cache line so that
 * two threads never write the same line.
 */
function reserveSecondScratch(start: i64): void {
  const stride = (planEnd - start + 63) & ~63;
  scratchStride = <usize>stride;
  planEnd = start + 2 * stride;
}

/** The scratch buffer `at` (direction 0's offset) of `direction`. */
@inline
function scratch(at: usize, direction: i32): usize {
  return at + <usize>direction * scratchStride;
}

/** Units rounded up to a multiple of 8, the SIMD loops' width. */
@inline
function paddedUnits(unitCount: i32): i32 {
  return (unitCount + 7) & ~7;
}

/**
 * The plan's sizes and offsets, as the globals above hold them, stored at
 * the plan's `base` for a second instance to load: 4 bytes each.
 */
const PLAN_FIELDS: i32 = 27;

function startPlan(stepCount: i32, batchSize: i32, unitCount: i32, base: usize): void {
  steps = stepCount;
  batch = batchSize;
  units = unitCount;
  padded = paddedUnits(unitCount);
  tilesPacked = false;
  weightGradients = true;
  planEnd = (<i64>base + 4 * PLAN_FIELDS + 15) & ~15;
}

/** Stores the plan at `base` and returns its end, or −1 past 4 GiB. */
function finishPlan(base: usize): f64 {
  if (planEnd > MEMORY_LIMIT) return -1;
  storePlan(base);
  return <f64>planEnd;
}

function storePlan(base: usize): void {
  store<u32>(base, <u32>steps, 0);
  store<u32>(base, <u32>batch, 4);
  store<u32>(base, <u32>units, 8);
  store<u32>(base, <u32>padded, 12);
  store<u32>(base, <u32>slots, 16);
  store<u32>(base, <u32>recurrentAt, 20);
  store<u32>(base, <u32>projectedAt, 24);
  store<u32>(base, <u32>maskAt, 28);
  store<u32>(base, <u32>statesAt, 32);
  store<u32>(base, <u32>recordAt, 36);
  store<u32>(base, <u32>dStatesAt, 40);
  store<u32>(base, <u32>dProjectedAt, 44);
  store<u32>(base, <u32>dProjectedTransposedAt, 48);
  store<u32>(base, <u32>dProjectedSumsAt, 52);
  store<u32>(base, <u32>dRecurrentAt, 56);
  store<u32>(base, <u32>zeroAt, 60);
  store<u32>(base, <u32>packedAt, 64);
  store<u32>(base, <u32>dPackedAt, 68);
  store<u32>(base, <u32>dhAt, 72);
  store<u32>(base, <u32>dcAt, 76);
  store<u32>(base, <u32>dzAt, 80);
  store<u32>(base, <u32>hTransposedAt, 84);
  store<u32>(base, <u32>dzTilesAt, 88);
  store<u32>(base, <u32>dzSumsAt, 92);
  store<u32>(base, <u32>scratchStride, 96);
  store<u32>(base, <u32>tilesPacked, 100);
  store<u32>(base, <u32>weightGradients, 104);
}

/**
 * Makes the plan another instance stored at `base` this instance's own, to
 * run a direction of it.
 */
export function loadPlan(base: usize): void {
  steps = <i32>load<u32>(base, 0);
  batch = <i32>load<u32>(base, 4);
  units = <i32>load<u32>(base, 8);
  padded = <i32>load<u32>(base, 12);
  slots = <i32>load<u32>(base, 16);
  recurrentAt = <usize>load<u32>(base, 20);
  projectedAt = <usize>load<u32>(base, 24);
  maskAt = <usize>load<u32>(base, 28);
  statesAt = <usize>load<u32>(base, 32);
  recordAt = <usize>load<u32>(base, 36);
  dStatesAt = <usize>load<u32>(base, 40);
  dProjectedAt = <usize>load<u32>(base, 44);
  dProjectedTransposedAt = <usize>load<u32>(base, 48);
  dProjectedSumsAt = <usize>load<u32>(base, 52);
  dRecurrentAt = <usize>load<u32>(base, 56);
  zeroAt = <usize>load<u32>(base, 60);
  packedAt = <usize>load<u32>(base, 64);
  dPackedAt = <usize>load<u32>(base, 68);
  dhAt = <usize>load<u32>(base, 72);
  dcAt = <usize>load<u32>(base, 76);
  dzAt = <usize>load<u32>(base, 80);
  hTransposedAt = <usize>load<u32>(base, 84);
  dzTilesAt = <usize>load<u32>(base, 88);
  dzSumsAt = <usize>load<u32>(base, 92);
  scratchStride = <usize>load<u32>(base, 96);
  tilesPacked = load<u32>(base, 100) != 0;
  weightGradients = load<u32>(base, 104) != 0;
}

function recordRowWidth(): i32 {
  return 6 * padded;
}

/**
 * Floats in the history of a training forward pass of T steps, B rows and H
 * units: its record of every step, both directions.
 */
export function historyFloats(stepCount: i32, batchSize: i32, unitCount: i32): f64 {
  const floats: i64 = 2 * <i64>stepCount * <i64>batchSize * 6 * <i64>paddedUnits(unitCount);
  return <f64>floats;
}

/**
 * Floats of both directions' recurrent tiles for H units, which a forward
 * pass packs where the caller places them (see `planForward`).
 */
export function recurrentTilesFloats(unitCount: i32): f64 {
  const hp = <i64>paddedUnits(unitCount);
  const floats: i64 = 2 * hp * 4 * hp;
  return <f64>floats;
}

/**
 * Lays out a forward pass of T steps, B rows, H units from `base` on, and
 * returns its end (−1 past 4 GiB): `recurrent`, `projected` and `states` at
 * the given addresses, or in the plan where 0. `keepHistory` records every
 * step at `historyAt` for a backward pass (training); without it the record
 * holds two steps per direction, in the plan. The recurrent tiles go at
 * `tilesPlaced` when not 0 (`recurrentTilesFloats` long), where
 * `alreadyPacked` says an earlier pass packed the same weights.
 */
export function planForward(
  stepCount: i32,
  batchSize: i32,
  unitCount: i32,
  keepHistory: bool,
  base: usize,
  historyAt: usize,
  recurrentPlaced: usize,
  projectedPlaced: usize,
  statesPlaced: usize,
  tilesPlaced: usize,
  alreadyPacked: bool,
): f64 {
  startPlan(stepCount, batchSize, unitCount, base);
  const t = <i64>stepCount;
  const b = <i64>batchSize;
  const h = <i64>unitCount;
  const hp = <i64>padded;
  slots = keepHistory ? stepCount : 2;
  recurrentAt = placeOrReserve(recurrentPlaced, 2 * h * 8 * h);
  projectedAt = placeOrReserve(projectedPlaced, t * b * 8 * h);
  maskAt = reserve(t * b);
  statesAt = placeOrReserve(statesPlaced, t * b * 2 * h);
  zeroAt = reserve(b * 6 * hp);
  recordAt = keepHistory ? historyAt : reserve(2 * <i64>slots * b * 6 * hp);
  tilesPacked = tilesPlaced != 0 && alreadyPacked;
  if (tilesPlaced != 0) {
    packedAt = tilesPlaced;
    scratchStride = <usize>(hp * 4 * hp) << 2;
  } else {
    const scratchStart = planEnd;
    packedAt = reserve(hp * 4 * hp);
    reserveSecondScratch(scratchStart);
  }
  return finishPlan(base);
}

/**
 * Lays out, from `base` on, the backward pass of the forward pass that
 * recorded its history at `historyAt`, and returns its end (−1 past 4 GiB):
 * each buffer at its given address, or in the plan where 0. Without
 * `withWeightGradients`, the pass writes dProjected alone.
 */
export function planBackward(
  stepCount: i32,
  batchSize: i32,
  unitCount: i32,
  base: usize,
  historyAt: usize,
  recurrentPlaced: usize,
  dStatesPlaced: usize,
  dProjectedPlaced: usize,
  dProjectedTransposedPlaced: usize,
  dProjectedSumsPlaced: usize,
  dRecurrentPlaced: usize,
  withWeightGradients: bool,
): f64 {
  startPlan(stepCount, batchSize, unitCount, base);
  weightGradients = withWeightGradients;
  const t = <i64>stepCount;
  const b = <i64>batchSize;
  const h = <i64>unitCount;
  const hp = <i64>padded;
  slots = stepCount;
  recurrentAt = placeOrReserve(recurrentPlaced, 2 * h * 8 * h);
  maskAt = reserve(t * b);
  dStatesAt = placeOrReserve(dStatesPlaced, t * b * 2 * h);
  recordAt = historyAt;
  dProjectedAt = placeOrReserve(dProjectedPlaced, t * b * 8 * h);
  // Without weight gradients these are never written: no room for them (dProjected's transpose is as large as it).
  dProjectedTransposedAt = weightGradients ? placeOrReserve(dProjectedTransposedPlaced, 8 * h * t * b) : 0;
  dProjectedSumsAt = weightGradients ? placeOrReserve(dProjectedSumsPlaced, 8 * h) : 0;
  dRecurrentAt = weightGradients ? placeOrReserve(dRecurrentPlaced, 2 * h * 8 * h) : 0;
  zeroAt = reserve(b * 6 * hp);
  const scratchStart = planEnd;
  packedAt = reserve(4 * hp * hp);
  dPackedAt = reserve(hp * 4 * hp);
  dhAt = reserve(b * hp);
  dcAt = reserve(b * hp);
  dzAt = reserve(b * 4 * hp);
  hTransposedAt = reserve(hp * b);
  dzTilesAt = reserve(b * 4 * hp);
  dzSumsAt = reserve(4 * hp);
  reserveSecondScratch(scratchStart);
  return finishPlan(base);
}

export function recurrentOffset(): usize {
  return recurrentAt;
}
export function projectedOffset(): usize {
  return projectedAt;
}
export function maskOffset(): usize {
  return maskAt;
}
export function statesOffset(): usize {
  return statesAt;
}
export function dStatesOffset(): usize {
  return dStatesAt;
}
export function dProjectedOffset(): usize {
  return dProjectedAt;
}
/** dProjected transposed, [8H, T·B]: what the projection's weight gradient multiplies. */
export function dProjectedTransposedOffset(): usize {
  return dProjectedTransposedAt;
}
/** dProjected summed over its T·B rows, [8H]: the projection's bias gradient. */
export function dProjectedSumsOffset(): usize {
  return dProjectedSumsAt;
}
export function dRecurrentOffset(): usize {
  return dRecurrentAt;
}

// ---------------------------------------------------------------------------
// Arithmetic

/**
 * e^x to about 1 ulp (Cephes expf), x clamped to [−87, 88] where 2^n stays
 * a normal float. pmin/pmax and the 1.5·2^23 rounding trick stand in for
 * min/max/nearest/trunc_sat, which V8 expands to several instructions each
 * (NaN and saturation rules that cannot arise here).
 */
@inline
function exp4(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.0)), f32x4.splat(-87.0));
  // t = 1.5·2^23 + 127 + n with n = round(x / ln2): adding 1.5·2^23 rounds
  // to an integer, and t's low mantissa bits hold 127 + n, the exponent of 2^n.
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(12583039.0));
  const n = f32x4.sub(t, f32x4.splat(12583039.0));
  // x − n·ln2 in two parts (Cody–Waite), exact for |n| ≤ 128.
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  return f32x4.mul(y, i32x4.shl(t, 23));
}

@inline
function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

/** tanh(x) = 2σ(2x) − 1, as the reference computes it. */
@inline
function tanh4(x: v128): v128 {
  return f32x4.sub(f32x4.mul(sigmoid4(f32x4.add(x, x)), f32x4.splat(2.0)), f32x4.splat(1.0));
}

/** a·(1 − a): σ′ written with σ. */
@inline
function sigmoidSlope4(a: v128): v128 {
  return f32x4.mul(a, f32x4.sub(f32x4.splat(1.0), a));
}

/** 1 − a²: tanh′ written with tanh. */
@inline
function tanhSlope4(a: v128): v128 {
  return f32x4.sub(f32x4.splat(1.0), f32x4.mul(a, a));
}

/**
 * Byte offset of M[k, col] in M[depth, cols] stored as tiles: cols/8 blocks
 * of [depth, 8], one after the other. The products read M one tile at a
 * time, so tiles make their loads contiguous; rows of 4Hp floats make them
 * jump 1 KiB a load, which ran a 64×256 batch-1 product 2–3 times slower
 * (4.6 µs against 1.6–2.3 µs).
 */
@inline
function tileOffset(k: i32, col: i32, depth: i32): usize {
  return <usize>(((col >> 3) * depth + k) * 8 + (col & 7)) << 2;
}

/** Copies row-major M[depth, cols] (`fromStride` floats a row, cols a multiple of 8) into tiles at `to`. */
function packTiles(to: usize, from: usize, fromStride: i32, depth: i32, cols: i32): void {
  for (let k = 0; k < depth; k++) {
    const row = from + (<usize>(k * fromStride) << 2);
    for (let col = 0; col < cols; col += 8) {
      const at = to + tileOffset(k, col, depth);
      v128.store(at, v128.load(row + (<usize>col << 2)));
      v128.store(at, v128.load(row + (<usize>col << 2), 16), 16);
    }
  }
}

/**
 * a·b + c, a product and a sum: relaxed SIMD's fused f32x4.relaxed_madd
 * took only ~6% off a step in workerd, not worth a second binary (README).
 */
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * C[rows, cols] += A[rows, depth] · M[depth, cols], M in tiles (see
 * `tileOffset`); strides in floats, cols a multiple of 8. Blocks of 4 rows
 * keep 8 accumulators in registers while a tile stays in L1 for every block;
 * the rows left over (every row at batch 1) go one by one, see
 * `multiplyAccumulateRow`.
 */
function multiplyAccumulate(
  c: usize,
  cStride: i32,
  a: usize,
  aStride: i32,
  tiles: usize,
  rows: i32,
  depth: i32,
  cols: i32,
): void {
  const cs = <usize>cStride << 2;
  const as = <usize>aStride << 2;
  for (let j = 0; j < cols; j += 8) {
    const tile = tiles + tileOffset(0, j, depth);
    let row = 0;
    for (; row + 4 <= rows; row += 4) {
      const c0 = c + <usize>row * cs + (<usize>j << 2);
      const c1 = c0 + cs;
      const c2 = c1 + cs;
      const c3 = c2 + cs;
      let s00 = v128.load(c0);
      let s01 = v128.load(c0, 16);
      let s10 = v128.load(c1);
      let s11 = v128.load(c1, 16);
      let s20 = v128.load(c2);
      let s21 = v128.load(c2, 16);
      let s30 = v128.load(c3);
      let s31 = v128.load(c3, 16);
      let ap = a + <usize>row * as;
      let mp = tile;
      for (let k = 0; k < depth; k++) {
        const w0 = v128.load(mp);
        const w1 = v128.load(mp, 16);
        let x = v128.load32_splat(ap);
        s00 = madd(x, w0, s00);
        s01 = madd(x, w1, s01);
        x = v128.load32_splat(ap + as);
        s10 = madd(x, w0, s10);
        s11 = madd(x, w1, s11);
        x = v128.load32_splat(ap + 2 * as);
        s20 = madd(x, w0, s20);
        s21 = madd(x, w1, s21);
        x = v128.load32_splat(ap + 3 * as);
        s30 = madd(x, w0, s30);
        s31 = madd(x, w1, s31);
        ap += 4;
        mp += 32;
      }
      v128.store(c0, s00);
      v128.store(c0, s01, 16);
      v128.store(c1, s10);
      v128.store(c1, s11, 16);
      v128.store(c2, s20);
      v128.store(c2, s21, 16);
      v128.store(c3, s30);
      v128.store(c3, s31, 16);
    }
  }
  for (let row = rows & ~3; row < rows; row++) {
    multiplyAccumulateRow(c + <usize>row * cs, a + <usize>row * as, tiles, depth, cols);
  }
}

/**
 * One row of C += a · M (see `multiplyAccumulate`), all of them at batch 1:
 * four tiles (32 columns) at a time, so that one load of four a values
 * serves 32 products. workerd checks the bounds of every load (it runs
 * WebAssembly without V8's trap handler), which makes loads the cost.
 */
@inline
function multiplyAccumulateRow(c: usize, a: usize, tiles: usize, depth: i32, cols: i32): void {
  const tileBytes = <usize>depth << 5;
  let j = 0;
  for (; j + 32 <= cols; j += 32) {
    const c0 = c + (<usize>j << 2);
    let s0 = v128.load(c0);
    let s1 = v128.load(c0, 16);
    let s2 = v128.load(c0, 32);
    let s3 = v128.load(c0, 48);
    let s4 = v128.load(c0, 64);
    let s5 = v128.load(c0, 80);
    let s6 = v128.load(c0, 96);
    let s7 = v128.load(c0, 112);
    let m0 = tiles + tileOffset(0, j, depth);
    let m1 = m0 + tileBytes;
    let m2 = m1 + tileBytes;
    let m3 = m2 + tileBytes;
    let ap = a;
    let k = 0;
    // The four lanes written out: a shuffle's lanes must be constants. A splat load per k
    // instead ran the 99 steps of a review 4-10% slower in workerd (0.74-0.82 ms, 0.71-0.74).
    for (; k + 4 <= depth; k += 4) {
      const a4 = v128.load(ap);
      let x = v128.shuffle<f32>(a4, a4, 0, 0, 0, 0);
      s0 = madd(x, v128.load(m0), s0);
      s1 = madd(x, v128.load(m0, 16), s1);
      s2 = madd(x, v128.load(m1), s2);
      s3 = madd(x, v128.load(m1, 16), s3);
      s4 = madd(x, v128.load(m2), s4);
      s5 = madd(x, v128.load(m2, 16), s5);
      s6 = madd(x, v128.load(m3), s6);
      s7 = madd(x, v128.load(m3, 16), s7);
      x = v128.shuffle<f32>(a4, a4, 1, 1, 1, 1);
      s0 = madd(x, v128.load(m0, 32), s0);
      s1 = madd(x, v128.load(m0, 48), s1);
      s2 = madd(x, v128.load(m1, 32), s2);
      s3 = madd(x, v128.load(m1, 48), s3);
      s4 = madd(x, v128.load(m2, 32), s4);
      s5 = madd(x, v128.load(m2, 48), s5);
      s6 = madd(x, v128.load(m3, 32), s6);
      s7 = madd(x, v128.load(m3, 48), s7);
      x = v128.shuffle<f32>(a4, a4, 2, 2, 2, 2);
      s0 = madd(x, v128.load(m0, 64), s0);
      s1 = madd(x, v128.load(m0, 80), s1);
      s2 = madd(x, v128.load(m1, 64), s2);
      s3 = madd(x, v128.load(m1, 80), s3);
      s4 = madd(x, v128.load(m2, 64), s4);
      s5 = madd(x, v128.load(m2, 80), s5);
      s6 = madd(x, v128.load(m3, 64), s6);
      s7 = madd(x, v128.load(m3, 80), s7);
      x = v128.shuffle<f32>(a4, a4, 3, 3, 3, 3);
      s0 = madd(x, v128.load(m0, 96), s0);
      s1 = madd(x, v128.load(m0, 112), s1);
      s2 = madd(x, v128.load(m1, 96), s2);
      s3 = madd(x, v128.load(m1, 112), s3);
      s4 = madd(x, v128.load(m2, 96), s4);
      s5 = madd(x, v128.load(m2, 112), s5);
      s6 = madd(x, v128.load(m3, 96), s6);
      s7 = madd(x, v128.load(m3, 112), s7);
      ap += 16;
      m0 += 128;
      m1 += 128;
      m2 += 128;
      m3 += 128;
    }
    for (; k < depth; k++) {
      const x = v128.load32_splat(ap);
      s0 = madd(x, v128.load(m0), s0);
      s1 = madd(x, v128.load(m0, 16), s1);
      s2 = madd(x, v128.load(m1), s2);
      s3 = madd(x, v128.load(m1, 16), s3);
      s4 = madd(x, v128.load(m2), s4);
      s5 = madd(x, v128.load(m2, 16), s5);
      s6 = madd(x, v128.load(m3), s6);
      s7 = madd(x, v128.load(m3, 16), s7);
      ap += 4;
      m0 += 32;
      m1 += 32;
      m2 += 32;
      m3 += 32;
    }
    v128.store(c0, s0);
    v128.store(c0, s1, 16);
    v128.store(c0, s2, 32);
    v128.store(c0, s3, 48);
    v128.store(c0, s4, 64);
    v128.store(c0, s5, 80);
    v128.store(c0, s6, 96);
    v128.store(c0, s7, 112);
  }
  // Left-over tiles (8 columns at a time): 4 partial sums per column vector
  // over consecutive k, so the additions do not wait on each other.
  for (; j < cols; j += 8) {
    const c0 = c + (<usize>j << 2);
    let s0 = v128.load(c0);
    let s1 = v128.load(c0, 16);
    let t0 = f32x4.splat(0);
    let t1 = f32x4.splat(0);
    let u0 = f32x4.splat(0);
    let u1 = f32x4.splat(0);
    let v0 = f32x4.splat(0);
    let v1 = f32x4.splat(0);
    let ap = a;
    let mp = tiles + tileOffset(0, j, depth);
    let k = 0;
    for (; k + 4 <= depth; k += 4) {
      let x = v128.load32_splat(ap);
      s0 = madd(x, v128.load(mp), s0);
      s1 = madd(x, v128.load(mp, 16), s1);
      x = v128.load32_splat(ap, 4);
      t0 = madd(x, v128.load(mp, 32), t0);
      t1 = madd(x, v128.load(mp, 48), t1);
      x = v128.load32_splat(ap, 8);
      u0 = madd(x, v128.load(mp, 64), u0);
      u1 = madd(x, v128.load(mp, 80), u1);
      x = v128.load32_splat(ap, 12);
      v0 = madd(x, v128.load(mp, 96), v0);
      v1 = madd(x, v128.load(mp, 112), v1);
      ap += 16;
      mp += 128;
    }
    for (; k < depth; k++) {
      const x = v128.load32_splat(ap);
      s0 = madd(x, v128.load(mp), s0);
      s1 = madd(x, v128.load(mp, 16), s1);
      ap += 4;
      mp += 32;
    }
    v128.store(c0, f32x4.add(f32x4.add(s0, t0), f32x4.add(u0, v0)));
    v128.store(c0, f32x4.add(f32x4.add(s1, t1), f32x4.add(u1, v1)), 16);
  }
}

// ---------------------------------------------------------------------------
// Layout helpers

@inline
function timeOf(direction: i32, step: i32): i32 {
  return direction == 0 ? step : steps - 1 - step;
}

/** Byte offset of a direction's record at a step (a ring of 2 slots without history). */
@inline
function recordStep(direction: i32, step: i32): usize {
  const slot = slots == steps ? step : step & 1;
  return recordAt + (<usize>(direction * slots + slot) * <usize>batch * <usize>recordRowWidth() << 2);
}

/** The record row before the first step (all zeros) or the previous step's. */
@inline
function previousRecordStep(direction: i32, step: i32): usize {
  return step > 0 ? recordStep(direction, step - 1) : zeroAt;
}

@inline
function maskAtTime(masked: bool, time: i32, row: i32): f32 {
  return masked ? load<f32>(maskAt + (<usize>(time * batch + row) << 2)) : 1.0;
}

/** Byte offset of column `d·H` of gate `g` in a row of 8H gate-major columns. */
@inline
function gateColumn(gate: i32, direction: i32): usize {
  return <usize>((gate * 2 + direction) * units) << 2;
}

/**
 * Copies one direction's diagonal block of `recurrent` [2H, 8H] into its
 * `packedAt` as tiles (see `tileOffset`), zero-padded to [Hp, 4Hp], or to
 * its transpose [4Hp, Hp]; returns where.
 */
function packRecurrent(direction: i32, transposed: bool): usize {
  const hp = padded;
  const packed = scratch(packedAt, direction);
  memory.fill(packed, 0, <usize>(4 * hp * hp) << 2);
  for (let k = 0; k < units; k++) {
    const from = recurrentAt + (<usize>((direction * units + k) * 8 * units) << 2);
    for (let gate = 0; gate < 4; gate++) {
      const source = from + gateColumn(gate, direction);
      let u = 0;
      // 8 units at a time: gate·Hp is a multiple of 8, so they share a tile row.
      for (; !transposed && u + 8 <= units; u += 8) {
        const at = packed + tileOffset(k, gate * hp + u, hp);
        v128.store(at, v128.load(source + (<usize>u << 2)));
        v128.store(at, v128.load(source + (<usize>u << 2), 16), 16);
      }
      for (; u < units; u++) {
        const at = transposed ? tileOffset(gate * hp + u, k, 4 * hp) : tileOffset(k, gate * hp + u, hp);
        store<f32>(packed + at, load<f32>(source + (<usize>u << 2)));
      }
    }
  }
  return packed;
}

/**
 * memory.copy for the few hundred bytes a step moves for a row: V8 compiles
 * memory.copy and memory.fill to calls out of WebAssembly, which cost more
 * than moving a row this short in place (a 100-token prediction 1–3 % faster
 * in alternating runs; a training step, in a busy hour, within noise).
 */
@inline
function copyRow(to: usize, from: usize, bytes: usize): void {
  let at: usize = 0;
  for (; at + 16 <= bytes; at += 16) v128.store(to + at, v128.load(from + at));
  for (; at < bytes; at += 4) store<f32>(to + at, load<f32>(from + at));
}

/** memory.fill with zeros, for a row (see `copyRow`). */
@inline
function zeroRow(to: usize, bytes: usize): void {
  let at: usize = 0;
  for (; at + 16 <= bytes; at += 16) v128.store(to + at, f32x4.splat(0));
  for (; at < bytes; at += 4) store<f32>(to + at, 0);
}

// ---------------------------------------------------------------------------
// Forward

/**
 * One row of one step: activates the gates in place and writes c and h.
 * i, f, o = σ(z); g = tanh(z_c); c = f·c_prev + i·g; h = o·tanh(c).
 */
@inline
function cellForward(row: usize, previous: usize): void {
  const gate = <usize>padded << 2;
  for (let v: usize = 0; v < gate; v += 16) {
    const i = sigmoid4(v128.load(row + v));
    const f = sigmoid4(v128.load(row + gate + v));
    const g = tanh4(v128.load(row + 2 * gate + v));
    const o = sigmoid4(v128.load(row + 3 * gate + v));
    const c = f32x4.add(f32x4.mul(f, v128.load(previous + 4 * gate + v)), f32x4.mul(i, g));
    const h = f32x4.mul(o, tanh4(c));
    v128.store(row + v, i);
    v128.store(row + gate + v, f);
    v128.store(row + 2 * gate + v, g);
    v128.store(row + 3 * gate + v, o);
    v128.store(row + 4 * gate + v, c);
    v128.store(row + 5 * gate + v, h);
  }
}

/**
 * Readies the planned forward pass; then `forwardDirection` runs each
 * direction, in either order or at once.
 */
export function prepareForward(): void {
  memory.fill(zeroAt, 0, <usize>(batch * recordRowWidth()) << 2);
}

/**
 * One direction (0 forward in time, 1 backward) of the planned forward pass:
 * reads `recurrent`, `projected` and, when `masked`, the mask; writes its
 * half of `states` and its half of the record.
 */
export function forwardDirection(direction: i32, masked: bool): void {
  const h = units;
  const hp = padded;
  const rowWidth = recordRowWidth();
  const rowBytes = <usize>rowWidth << 2;
  const unitBytes = <usize>h << 2;
  const padBytes = <usize>(hp - h) << 2;
  const packed = tilesPacked ? scratch(packedAt, direction) : packRecurrent(direction, false);
  for (let step = 0; step < steps; step++) {
    const time = timeOf(direction, step);
    const current = recordStep(direction, step);
    const previous = previousRecordStep(direction, step);
    for (let b = 0; b < batch; b++) {
      const row = current + <usize>b * rowBytes;
      const projected = projectedAt + (<usize>((time * batch + b) * 8 * h) << 2);
      for (let gate = 0; gate < 4; gate++) {
        const to = row + (<usize>(gate * hp) << 2);
        copyRow(to, projected + gateColumn(gate, direction), unitBytes);
        zeroRow(to + unitBytes, padBytes);
      }
    }
    if (step > 0) {
      multiplyAccumulate(current, rowWidth, previous + (<usize>(5 * hp) << 2), rowWidth, packed, batch, hp, 4 * hp);
    }
    for (let b = 0; b < batch; b++) {
      const row = current + <usize>b * rowBytes;
      const previousRow = previous + <usize>b * rowBytes;
      if (maskAtTime(masked, time, b) != 0) {
        cellForward(row, previousRow);
      } else {
        // A masked step carries c and h.
        copyRow(row + (<usize>(4 * hp) << 2), previousRow + (<usize>(4 * hp) << 2), <usize>(2 * hp) << 2);
      }
      const state = statesAt + (<usize>((time * batch + b) * 2 * h + direction * h) << 2);
      copyRow(state, row + (<usize>(5 * hp) << 2), unitBytes);
    }
  }
}

// ---------------------------------------------------------------------------
// Backward

/**
 * One unmasked row of one step, given dh (the state's total gradient) and dc
 * (the cell's gradient from the next step):
 *   dc_cand = dc + dh·o·(1 − tanh²c)
 *   dz_i = dc_cand·g·i(1−i), dz_f = dc_cand·c_prev·f(1−f),
 *   dz_c = dc_cand·i·(1−g²), dz_o = dh·tanh c·o(1−o)
 * then dc ← dc_cand·f for the previous step and dh ← 0, to which dz·Wᵀ is added.
 */
@inline
function cellBackward(row: usize, previous: usize, dh: usize, dc: usize, dz: usize): void {
  const gate = <usize>padded << 2;
  for (let v: usize = 0; v < gate; v += 16) {
    const i = v128.load(row + v);
    const f = v128.load(row + gate + v);
    const g = v128.load(row + 2 * gate + v);
    const o = v128.load(row + 3 * gate + v);
    const tanhC = tanh4(v128.load(row + 4 * gate + v));
    const dhv = v128.load(dh + v);
    const dcCandidate = f32x4.add(v128.load(dc + v), f32x4.mul(f32x4.mul(dhv, o), tanhSlope4(tanhC)));
    v128.store(dz + v, f32x4.mul(f32x4.mul(dcCandidate, g), sigmoidSlope4(i)));
    v128.store(dz + gate + v, f32x4.mul(f32x4.mul(dcCandidate, v128.load(previous + 4 * gate + v)), sigmoidSlope4(f)));
    v128.store(dz + 2 * gate + v, f32x4.mul(f32x4.mul(dcCandidate, i), tanhSlope4(g)));
    v128.store(dz + 3 * gate + v, f32x4.mul(f32x4.mul(dhv, tanhC), sigmoidSlope4(o)));
    v128.store(dc + v, f32x4.mul(dcCandidate, f));
    v128.store(dh + v, f32x4.splat(0));
  }
}

/**
 * Writes a step's dz [B, 4Hp] into columns time·B … time·B + B − 1 of
 * `dProjectedTransposed` [8H, T·B], at the rows of `direction`'s gates, row
 * by row, each a run of B floats. Written a float at a time as each row of
 * dz was made, every store landed on another page: 1.9 ms a direction of a
 * tutorial layer-1 backward pass, now 0.6 (the rest is the memory traffic
 * of writing 6.5 MB).
 */
function transposeStep(dzRows: usize, time: i32, direction: i32): void {
  const h = units;
  const gateBytes = <usize>padded << 2;
  const dzRowBytes = gateBytes * 4;
  const rowCount = <usize>(steps * batch);
  for (let gate = 0; gate < 4; gate++) {
    for (let u = 0; u < h; u++) {
      const to = dProjectedTransposedAt + ((<usize>((gate * 2 + direction) * h + u) * rowCount + <usize>(time * batch)) << 2);
      const from = dzRows + <usize>gate * gateBytes + (<usize>u << 2);
      let b = 0;
      // Four rows' values into one vector and one store: a quarter of the stores of one float at a time.
      for (; b + 4 <= batch; b += 4) {
        const at = from + <usize>b * dzRowBytes;
        let v = f32x4.splat(load<f32>(at));
        v = f32x4.replace_lane(v, 1, load<f32>(at + dzRowBytes));
        v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * dzRowBytes));
        v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * dzRowBytes));
        v128.store(to + (<usize>b << 2), v);
      }
      for (; b < batch; b++) store<f32>(to + (<usize>b << 2), load<f32>(from + <usize>b * dzRowBytes));
    }
  }
}

/**
 * Readies the planned backward pass; then `backwardDirection` runs each
 * direction, in either order or at once.
 */
export function prepareBackward(): void {
  memory.fill(zeroAt, 0, <usize>(batch * recordRowWidth()) << 2);
  if (weightGradients) memory.fill(dRecurrentAt, 0, <usize>(2 * units * 8 * units) << 2);
}

/**
 * One direction of the planned backward pass: reads `recurrent`, the mask
 * when `masked`, its half of `dStates` and of the forward pass's record;
 * writes its columns of `dProjected` and its sums, its rows of
 * `dProjectedTransposed`, and its diagonal block of `dRecurrent` (the
 * off-diagonal blocks stay 0, see op.ts).
 */
export function backwardDirection(direction: i32, masked: bool): void {
  const h = units;
  const hp = padded;
  const gateWidth = 4 * hp;
  const rowWidth = recordRowWidth();
  const rowBytes = <usize>rowWidth << 2;
  const unitBytes = <usize>h << 2;
  const packed = packRecurrent(direction, true);
  const dPacked = scratch(dPackedAt, direction);
  const dhRows = scratch(dhAt, direction);
  const dcRows = scratch(dcAt, direction);
  const dzRows = scratch(dzAt, direction);
  const hTransposed = scratch(hTransposedAt, direction);
  const dzTiles = scratch(dzTilesAt, direction);
  const dzSums = scratch(dzSumsAt, direction);
  memory.fill(dPacked, 0, <usize>(hp * gateWidth) << 2);
  memory.fill(dzSums, 0, <usize>gateWidth << 2);
  memory.fill(dhRows, 0, <usize>(batch * hp) << 2);
  memory.fill(dcRows, 0, <usize>(batch * hp) << 2);
  for (let step = steps - 1; step >= 0; step--) {
    const time = timeOf(direction, step);
    const current = recordStep(direction, step);
    const previous = previousRecordStep(direction, step);
    for (let b = 0; b < batch; b++) {
      const dh = dhRows + (<usize>(b * hp) << 2);
      const dz = dzRows + (<usize>(b * gateWidth) << 2);
      const dState = dStatesAt + (<usize>((time * batch + b) * 2 * h + direction * h) << 2);
      for (let u: usize = 0; u < unitBytes; u += 4) store<f32>(dh + u, load<f32>(dh + u) + load<f32>(dState + u));
      if (maskAtTime(masked, time, b) != 0) {
        cellBackward(current + <usize>b * rowBytes, previous + <usize>b * rowBytes, dh, dcRows + (<usize>(b * hp) << 2), dz);
        if (weightGradients) {
          for (let v: usize = 0; v < <usize>gateWidth << 2; v += 16) {
            v128.store(dzSums + v, f32x4.add(v128.load(dzSums + v), v128.load(dz + v)));
          }
        }
      } else {
        // A masked step passed c and h through unchanged, so do their gradients.
        zeroRow(dz, <usize>gateWidth << 2);
      }
      const dProjected = dProjectedAt + (<usize>((time * batch + b) * 8 * h) << 2);
      for (let gate = 0; gate < 4; gate++) {
        copyRow(dProjected + gateColumn(gate, direction), dz + (<usize>(gate * hp) << 2), unitBytes);
      }
    }
    if (weightGradients) transposeStep(dzRows, time, direction);
    if (step == 0) continue;
    // dh_prev += dz·Wᵀ
    multiplyAccumulate(dhRows, hp, dzRows, gateWidth, packed, batch, gateWidth, hp);
    if (!weightGradients) continue;
    // dW += h_prevᵀ·dz
    const previousH = previous + (<usize>(5 * hp) << 2);
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < hp; k++) {
        store<f32>(
          hTransposed + (<usize>(k * batch + b) << 2),
          load<f32>(previousH + <usize>b * rowBytes + (<usize>k << 2)),
        );
      }
    }
    packTiles(dzTiles, dzRows, gateWidth, batch, gateWidth);
    multiplyAccumulate(dPacked, gateWidth, hTransposed, batch, dzTiles, hp, batch, gateWidth);
  }
  if (!weightGradients) return;
  for (let gate = 0; gate < 4; gate++) {
    memory.copy(dProjectedSumsAt + gateColumn(gate, direction), dzSums + (<usize>(gate * hp) << 2), unitBytes);
  }
  // Into the diagonal block of dRecurrent.
  for (let k = 0; k < h; k++) {
    const to = dRecurrentAt + (<usize>((direction * h + k) * 8 * h) << 2);
    for (let gate = 0; gate < 4; gate++) {
      memory.copy(to + gateColumn(gate, direction), dPacked + (<usize>(k * gateWidth + gate * hp) << 2), unitBytes);
    }
  }
}

