/**
 * Adam's update (Kingma & Ba 2015) of one variable in one call, in
 * WebAssembly SIMD (AssemblyScript). tfjs computes it as 14 elementwise
 * kernels per variable, each a pass over memory: for the tutorial's 751,489
 * parameters that was 7–10 ms of a training step. Here it is one pass.
 *
 * The module works in tfjs's heap (it imports tfjs's memory): it reads the
 * variable's values and its gradient where tfjs keeps them and writes the
 * updated values into a new tensor's memory, and the two moments it updates
 * in place are allocated there too, so nothing is copied in or out. Every
 * array is given by its address and length in floats; vectors need no
 * alignment, and the last `count % 4` floats are done one at a time with
 * the same float32 operations.
 *
 * Each operation is the float32 operation tfjs's kernels perform, in their
 * order (see training/loop/adam.ts), so the results are bit for bit theirs.
 */

/**
 * Σ g² over `count` gradients at `gradientsAt`, in float64: summed over
 * every variable, the square of the global norm Keras's `global_clipnorm`
 * clips.
 */
export function gradientSquares(gradientsAt: usize, count: i32): f64 {
  let sum = f64x2.splat(0);
  const bytes = <usize>count << 2;
  const vectorBytes = bytes & ~15;
  let offset: usize = 0;
  for (; offset < vectorBytes; offset += 16) {
    const g = v128.load(gradientsAt + offset);
    const low = f64x2.promote_low_f32x4(g);
    const high = f64x2.promote_low_f32x4(v128.shuffle<i32>(g, g, 2, 3, 0, 1));
    sum = f64x2.add(sum, f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high)));
  }
  let tail: f64 = 0;
  for (; offset < bytes; offset += 4) {
    const g = <f64>load<f32>(gradientsAt + offset);
    tail += g * g;
  }
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1) + tail;
}

/**
 * One step of one variable's `count` parameters: reads them at
 * `parametersAt` and the gradients at `gradientsAt`, updates the moments in
 * place and writes the new parameters at `updatedAt` (which may be
 * `parametersAt`). The gradients are first multiplied by `gradientScale`
 * (1, or the clipping factor). The coefficients arrive as the float32
 * scalars tfjs would make of them: β₁, 1 − β₁, β₂, 1 − β₂, the bias
 * corrections 1 − β₁ᵗ and 1 − β₂ᵗ, ε and −learning rate.
 */
export function update(
  parametersAt: usize,
  gradientsAt: usize,
  updatedAt: usize,
  firstMomentAt: usize,
  secondMomentAt: usize,
  count: i32,
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
  const vectorBytes = bytes & ~15;
  let offset: usize = 0;
  for (; offset < vectorBytes; offset += 16) {
    const g = f32x4.mul(v128.load(gradientsAt + offset), scale);
    const m = f32x4.add(f32x4.mul(v128.load(firstMomentAt + offset), b1), f32x4.mul(g, c1));
    const v = f32x4.add(f32x4.mul(v128.load(secondMomentAt + offset), b2), f32x4.mul(f32x4.mul(g, g), c2));
    v128.store(firstMomentAt + offset, m);
    v128.store(secondMomentAt + offset, v);
    const step = f32x4.div(f32x4.div(m, k1), f32x4.add(f32x4.sqrt(f32x4.div(v, k2)), eps));
    v128.store(updatedAt + offset, f32x4.add(f32x4.mul(step, rate), v128.load(parametersAt + offset)));
  }
  for (; offset < bytes; offset += 4) {
    const g = load<f32>(gradientsAt + offset) * gradientScale;
    const m = load<f32>(firstMomentAt + offset) * beta1 + g * oneMinusBeta1;
    const v = load<f32>(secondMomentAt + offset) * beta2 + g * g * oneMinusBeta2;
    store<f32>(firstMomentAt + offset, m);
    store<f32>(secondMomentAt + offset, v);
    const step = m / correction1 / (Mathf.sqrt(v / correction2) + epsilon);
    store<f32>(updatedAt + offset, step * negativeLearningRate + load<f32>(parametersAt + offset));
  }
}
