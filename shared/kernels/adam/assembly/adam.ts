/**
 * Adam's update (Kingma & Ba 2015) of every parameter of a model in one call,
 * in WebAssembly SIMD (AssemblyScript). tfjs computes it as 14 elementwise
 * kernels per variable, each a pass over memory: for the tutorial's 751,489
 * parameters that was 7–10 ms of a training step. Here it is one pass.
 *
 * The parameters of all variables lie end to end in one flat array, each
 * variable starting on a 4-float boundary so that the loop runs on whole
 * vectors (padding lanes hold zeros and stay zero). The moments stay here
 * between steps; the caller copies parameters and gradients in, calls
 * `update`, and copies the parameters out.
 *
 * Each operation is the float32 operation tfjs's kernels perform, in their
 * order (see training/loop/adam.ts), so the results are bit for bit theirs.
 */

let count: i32 = 0;
let parametersAt: usize = 0;
let gradientsAt: usize = 0;
let firstMomentAt: usize = 0;
let secondMomentAt: usize = 0;

/**
 * Lays out `floats` parameters (a multiple of 4) with their gradients and
 * zeroed moments. Returns 0 when the memory cannot grow enough.
 */
export function plan(floats: i32): i32 {
  if (floats < 0 || (floats & 3) != 0) return 0;
  const bytes = <i64>floats << 2;
  const end: i64 = 16 + 4 * bytes;
  if (end > (<i64>1 << 32)) return 0;
  const pages = <i32>((end + 0xffff) >> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) return 0;
  count = floats;
  parametersAt = 16;
  gradientsAt = parametersAt + <usize>bytes;
  firstMomentAt = gradientsAt + <usize>bytes;
  secondMomentAt = firstMomentAt + <usize>bytes;
  memory.fill(parametersAt, 0, <usize>(4 * bytes));
  return 1;
}

export function parametersOffset(): usize {
  return parametersAt;
}
export function gradientsOffset(): usize {
  return gradientsAt;
}
export function firstMomentOffset(): usize {
  return firstMomentAt;
}
export function secondMomentOffset(): usize {
  return secondMomentAt;
}

/**
 * Σ g² over every gradient, in float64: the square of the global norm that
 * Keras's `global_clipnorm` clips.
 */
export function gradientSquares(): f64 {
  let sum = f64x2.splat(0);
  const bytes = <usize>count << 2;
  for (let offset: usize = 0; offset < bytes; offset += 16) {
    const g = v128.load(gradientsAt + offset);
    const low = f64x2.promote_low_f32x4(g);
    const high = f64x2.promote_low_f32x4(v128.shuffle<i32>(g, g, 2, 3, 0, 1));
    sum = f64x2.add(sum, f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high)));
  }
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}

/**
 * One step over every parameter. The gradients are first multiplied by
 * `gradientScale` (1, or the clipping factor). The coefficients arrive as
 * the float32 scalars tfjs would make of them: β₁, 1 − β₁, β₂, 1 − β₂, the
 * bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ, ε and −learning rate.
 */
export function update(
  gradientScale: f32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  correction1: f32,
  correction2: f32,
  epsilon: f32,
  negativeLearningRate: f32,
): void {
  const scale = f32x4.splat(gradientScale);
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const k1 = f32x4.splat(correction1);
  const k2 = f32x4.splat(correction2);
  const eps = f32x4.splat(epsilon);
  const rate = f32x4.splat(negativeLearningRate);
  const bytes = <usize>count << 2;
  for (let offset: usize = 0; offset < bytes; offset += 16) {
    const g = f32x4.mul(v128.load(gradientsAt + offset), scale);
    const m = f32x4.add(f32x4.mul(v128.load(firstMomentAt + offset), b1), f32x4.mul(g, c1));
    const v = f32x4.add(f32x4.mul(v128.load(secondMomentAt + offset), b2), f32x4.mul(f32x4.mul(g, g), c2));
    v128.store(firstMomentAt + offset, m);
    v128.store(secondMomentAt + offset, v);
    const step = f32x4.div(f32x4.div(m, k1), f32x4.add(f32x4.sqrt(f32x4.div(v, k2)), eps));
    const p = parametersAt + offset;
    v128.store(p, f32x4.add(f32x4.mul(step, rate), v128.load(p)));
  }
}
