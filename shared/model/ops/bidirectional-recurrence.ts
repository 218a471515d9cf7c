import * as tf from '@tensorflow/tfjs-core';
import type { FrozenWeights } from './frozen-weights';

/**
 * The recurrence of one bidirectional LSTM layer, both directions folded into
 * one state, written with tfjs-core ops and shaped for the wasm backend, where
 * every kernel costs 1–5 µs of dispatch no matter how small:
 *
 * - Both directions advance together. The state is `h = [h_fwd | h_bwd]`
 *   ([B, 2H]) and the recurrent weights are block-diagonal ([2H, 8H]), so a
 *   step is one matMul, not two. At step s the forward direction reads time s
 *   and the backward direction reads time T−1−s.
 * - Gate columns are gate-major: `[i_f i_b | f_f f_b | c_f c_b | o_f o_b]`,
 *   each H wide, so one `split` yields each gate for both directions.
 * - One sigmoid serves all four gates: the candidate gate's pre-activation is
 *   doubled and tanh(z) = 2·σ(2z) − 1. The wasm tanh kernel is about 8× slower
 *   than its sigmoid (NOTES.md), and tanh(c) is computed the same way.
 * - Steps are read from, and written to, the time-aligned tensors once per
 *   layer through typed arrays: wasm `slice` copies its whole input on every
 *   call, which would make T steps cost O(T²).
 * - The backward pass (BPTT) is written by hand and attached with
 *   `tf.customGrad`, so training runs ~25 kernels a step instead of letting
 *   autograd trace and replay every step.
 *
 * Keras semantics: gates i, f, c, o; sigmoid recurrent activation; zero initial
 * state. With a mask (Keras `mask_zero`) a masked timestep leaves h and c as
 * they were, so padding never changes what the layer computes for real tokens.
 */

/** Timesteps to skip, [T·B] in time-major order: 1 = real token, 0 = padding. */
export type TimeMask = Float32Array;

interface StepRecord {
  i: tf.Tensor;
  f: tf.Tensor;
  g: tf.Tensor;
  o: tf.Tensor;
  tanhC: tf.Tensor;
  c: tf.Tensor;
  h: tf.Tensor;
  /** [B, 2H] step mask, present only when some row is padded at this step. */
  mask?: tf.Tensor;
}

/**
 * Reorders the backward direction's columns in time, turning time-aligned
 * data ([T, B, 2·W], forward half then backward half per W-wide gate block)
 * into step-aligned data and back: the map is its own inverse.
 */
function swapBackwardTime(
  data: Float32Array,
  steps: number,
  batch: number,
  units: number,
  blocks: number,
): Float32Array {
  const rowWidth = blocks * 2 * units;
  const stepSize = batch * rowWidth;
  const out = new Float32Array(data.length);
  for (let s = 0; s < steps; s++) {
    const fwdBase = s * stepSize;
    const bwdBase = (steps - 1 - s) * stepSize;
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < blocks; k++) {
        const fwd = b * rowWidth + k * 2 * units;
        const bwd = fwd + units;
        out.set(data.subarray(fwdBase + fwd, fwdBase + fwd + units), fwdBase + fwd);
        out.set(data.subarray(bwdBase + bwd, bwdBase + bwd + units), fwdBase + bwd);
      }
    }
  }
  return out;
}

/** Splits step-aligned data [T, B, W] into T tensors of [B, W]. */
function stepTensors(data: Float32Array, steps: number, batch: number, width: number): tf.Tensor[] {
  const size = batch * width;
  return Array.from({ length: steps }, (_, s) =>
    tf.tensor2d(data.subarray(s * size, (s + 1) * size), [batch, width]),
  );
}

/**
 * Per-step [B, 2H] masks (forward half from time s, backward half from time
 * T−1−s), or undefined at steps where no row is padded, so unpadded input pays
 * nothing for masking.
 */
function stepMasks(mask: TimeMask | null, steps: number, batch: number, units: number): (tf.Tensor | undefined)[] {
  return Array.from({ length: steps }, (_, s) => {
    if (!mask) return undefined;
    const values = new Float32Array(batch * 2 * units);
    let padded = false;
    for (let b = 0; b < batch; b++) {
      const fwd = mask[s * batch + b];
      const bwd = mask[(steps - 1 - s) * batch + b];
      padded ||= fwd === 0 || bwd === 0;
      values.fill(fwd, b * 2 * units, b * 2 * units + units);
      values.fill(bwd, b * 2 * units + units, (b + 1) * 2 * units);
    }
    return padded ? tf.tensor2d(values, [batch, 2 * units]) : undefined;
  });
}

/** 2 on the candidate gate's columns, 1 elsewhere: lets one sigmoid compute tanh too. */
function gateScale(units: number): tf.Tensor1D {
  const scale = new Float32Array(8 * units).fill(1);
  scale.fill(2, 4 * units, 6 * units);
  return tf.tensor1d(scale);
}

/** tanh(x) = 2σ(2x) − 1. */
function tanhViaSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

/** Moves the layer over every step; keeps each step's tensors when `record`. */
function runSteps(
  inputs: tf.Tensor[],
  recurrent: tf.Tensor,
  masks: (tf.Tensor | undefined)[],
  units: number,
  record: StepRecord[] | null,
): tf.Tensor[] {
  const batch = inputs[0].shape[0];
  const scale = gateScale(units);
  const states: tf.Tensor[] = [];
  let h: tf.Tensor | null = null;
  let c: tf.Tensor | null = null;
  for (let s = 0; s < inputs.length; s++) {
    const z: tf.Tensor = h ? tf.add(inputs[s], tf.matMul(h, recurrent)) : inputs[s];
    const [i, f, gHalf, o] = tf.split(tf.sigmoid(tf.mul(z, scale)), 4, 1) as tf.Tensor[];
    const g = tf.sub(tf.mul(gHalf, 2), 1);
    const cCandidate: tf.Tensor = c ? tf.add(tf.mul(f, c), tf.mul(i, g)) : tf.mul(i, g);
    const tanhC = tanhViaSigmoid(cCandidate);
    const hCandidate = tf.mul(o, tanhC);
    const mask = masks[s];
    const zeros = () => tf.zeros([batch, 2 * units]) as tf.Tensor;
    // A masked step carries the previous state: x + m·(candidate − x).
    const hNext: tf.Tensor = mask ? tf.add(h ?? zeros(), tf.mul(mask, tf.sub(hCandidate, h ?? zeros()))) : hCandidate;
    const cNext: tf.Tensor = mask ? tf.add(c ?? zeros(), tf.mul(mask, tf.sub(cCandidate, c ?? zeros()))) : cCandidate;
    record?.push({ i, f, g, o, tanhC, c: cNext, h: hNext, mask });
    states.push(hNext);
    h = hNext;
    c = cNext;
  }
  return states;
}

/** Stacks step-aligned [B, 2H] states into a time-aligned [T, B, 2H] tensor. */
function timeAlignedStates(states: tf.Tensor[], units: number): tf.Tensor3D {
  const [batch] = states[0].shape;
  const stepAligned = tf.stack(states).dataSync() as Float32Array;
  return tf.tensor3d(swapBackwardTime(stepAligned, states.length, batch, units, 1), [states.length, batch, 2 * units]);
}

/** Sizes of one layer's recurrence: T timesteps, B rows, H units per direction. */
export interface RecurrenceShape {
  steps: number;
  batch: number;
  units: number;
}

/**
 * Reads T, B and H off the recurrence's inputs.
 *
 * @throws Error when `projected` is not [T, B, 8H] and `recurrent` not [2H, 8H]
 *
 * @example
 * recurrenceShape(tf.zeros([100, 32, 512]), tf.zeros([128, 512])); // { steps: 100, batch: 32, units: 64 }
 */
export function recurrenceShape(projected: tf.Tensor3D, recurrent: tf.Tensor2D): RecurrenceShape {
  const [steps, batch, gateWidth] = projected.shape;
  const units = gateWidth / 8;
  if (!Number.isInteger(units) || recurrent.shape[0] !== 2 * units || recurrent.shape[1] !== gateWidth) {
    throw new Error(
      `bidirectionalRecurrence: projected [${projected.shape}] and recurrent [${recurrent.shape}] do not fit: expected [T, B, 8H] and [2H, 8H]`,
    );
  }
  return { steps, batch, units };
}

/**
 * Runs a bidirectional LSTM layer's recurrence over a whole sequence.
 *
 * @param projected time-aligned input projections `x·W + b`, [T, B, 8H],
 *   gate-major columns (see above).
 * @param recurrent block-diagonal recurrent weights, [2H, 8H], gate-major.
 * @param mask optional [T·B] mask, time-major; 0 marks padding.
 * @param options `frozenWeights`: see {@link FrozenWeights}.
 * @returns time-aligned states [T, B, 2H]: at time t, `[h_fwd(t) | h_bwd(t)]`.
 *   The forward direction's final state is at t = T−1, the backward one's at t = 0.
 *   Differentiable with respect to `projected`, and to `recurrent` unless frozen.
 *
 * @example
 * const states = bidirectionalRecurrence(projected, recurrent, null); // [100, 32, 128] for H = 64
 */
export function bidirectionalRecurrence(
  projected: tf.Tensor3D,
  recurrent: tf.Tensor2D,
  mask: TimeMask | null,
  { frozenWeights = false }: FrozenWeights = {},
): tf.Tensor3D {
  const { steps, batch, units } = recurrenceShape(projected, recurrent);
  const gateWidth = 8 * units;
  const stepInputs = () =>
    stepTensors(swapBackwardTime(projected.dataSync() as Float32Array, steps, batch, units, 4), steps, batch, gateWidth);

  if (!tf.engine().state.gradientDepth) {
    // Inference: nothing is recorded for a backward pass.
    return tf.tidy(() =>
      timeAlignedStates(runSteps(stepInputs(), recurrent, stepMasks(mask, steps, batch, units), units, null), units),
    );
  }

  // Frozen weights are no input of the op (see FrozenWeights).
  const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const record: StepRecord[] = [];
    const states = runSteps(stepInputs(), recurrent, stepMasks(mask, steps, batch, units), units, record);
    const kept = record.flatMap((r) => [r.i, r.f, r.g, r.o, r.tanhC, r.c, r.h, ...(r.mask ? [r.mask] : [])]);
    save([recurrent, ...kept]);
    return {
      value: timeAlignedStates(states, units),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const gradients = backpropagateThroughTime(dy as tf.Tensor3D, saved[0] as tf.Tensor2D, unpackRecord(saved.slice(1), record), units, !frozenWeights);
        return frozenWeights ? [gradients.dProjected] : [gradients.dProjected, gradients.dRecurrent!];
      },
    };
  });
  return (frozenWeights ? withGradient(projected) : withGradient(projected, recurrent)) as tf.Tensor3D;
}

/** Rebuilds the step records from the saved tensor list (same order as saved). */
function unpackRecord(saved: tf.Tensor[], shape: StepRecord[]): StepRecord[] {
  let k = 0;
  const next = () => saved[k++] as tf.Tensor;
  return shape.map((r) => ({
    i: next(),
    f: next(),
    g: next(),
    o: next(),
    tanhC: next(),
    c: next(),
    h: next(),
    mask: r.mask ? next() : undefined,
  }));
}

/**
 * Hand-written BPTT for {@link runSteps}. With a = σ(z) for i, f, o and
 * g = tanh(z_c):
 *   dc_cand = m·dc + dh_cand·o·(1 − tanh²c),  dh_cand = m·dh
 *   dz_i = dc_cand·g·i(1−i),  dz_f = dc_cand·c_prev·f(1−f),
 *   dz_c = dc_cand·i·(1−g²),  dz_o = dh_cand·tanh c·o(1−o)
 *   dh_prev = dz·Wᵀ + (1−m)·dh,  dc_prev = dc_cand·f + (1−m)·dc
 * and, with `weightGradient`, dW = Σ_s h_prevᵀ·dz_s as one matMul over all steps.
 */
function backpropagateThroughTime(
  dy: tf.Tensor3D,
  recurrent: tf.Tensor,
  record: StepRecord[],
  units: number,
  weightGradient: boolean,
): { dProjected: tf.Tensor3D; dRecurrent: tf.Tensor | null } {
  const [steps, batch] = dy.shape;
  const stateWidth = 2 * units;
  const dStates = stepTensors(swapBackwardTime(dy.dataSync() as Float32Array, steps, batch, units, 1), steps, batch, stateWidth);
  const recurrentT = tf.transpose(recurrent);
  const sigmoidDerivative = (a: tf.Tensor) => tf.mul(a, tf.sub(1, a));
  const dz: tf.Tensor[] = new Array(steps);
  let dhNext: tf.Tensor | null = null;
  let dcNext: tf.Tensor | null = null;
  for (let s = steps - 1; s >= 0; s--) {
    const { i, f, g, o, tanhC, mask } = record[s];
    const cPrev = s > 0 ? record[s - 1].c : null;
    const dh: tf.Tensor = dhNext ? tf.add(dStates[s], dhNext) : dStates[s];
    const dhCandidate: tf.Tensor = mask ? tf.mul(mask, dh) : dh;
    const fromH = tf.mul(tf.mul(dhCandidate, o), tf.sub(1, tf.square(tanhC)));
    const dcCandidate: tf.Tensor = dcNext ? tf.add(mask ? tf.mul(mask, dcNext) : dcNext, fromH) : fromH;
    const dzI = tf.mul(tf.mul(dcCandidate, g), sigmoidDerivative(i));
    const dzF = cPrev ? tf.mul(tf.mul(dcCandidate, cPrev), sigmoidDerivative(f)) : tf.zerosLike(f);
    const dzC = tf.mul(tf.mul(dcCandidate, i), tf.sub(1, tf.square(g)));
    const dzO = tf.mul(tf.mul(dhCandidate, tanhC), sigmoidDerivative(o));
    dz[s] = tf.concat([dzI, dzF, dzC, dzO], 1);
    if (s > 0) {
      const carriedH: tf.Tensor | null = mask ? tf.mul(tf.sub(1, mask), dh) : null;
      const carriedC: tf.Tensor | null = mask && dcNext ? tf.mul(tf.sub(1, mask), dcNext) : null;
      const throughW: tf.Tensor = tf.matMul(dz[s], recurrentT);
      dhNext = carriedH ? tf.add(throughW, carriedH) : throughW;
      const throughF: tf.Tensor = tf.mul(dcCandidate, f);
      dcNext = carriedC ? tf.add(throughF, carriedC) : throughF;
    }
  }
  const dzAll = tf.concat(dz, 0); // [T·B, 8H], step-aligned
  // h_prev of step 0 is the zero state, so step 0 adds nothing to dW.
  const dRecurrent = !weightGradient
    ? null
    : steps > 1
      ? tf.matMul(
          tf.transpose(tf.concat(record.slice(0, -1).map((r) => r.h), 0)), // [2H, (T−1)·B]
          tf.slice(dzAll, [batch, 0], [(steps - 1) * batch, 8 * units]),
        )
      : tf.zeros([stateWidth, 8 * units]);
  const dProjected = tf.tensor3d(
    swapBackwardTime(dzAll.dataSync() as Float32Array, steps, batch, units, 4),
    [steps, batch, 8 * units],
  );
  return { dProjected, dRecurrent };
}
