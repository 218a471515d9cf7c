import { compileWasmFile } from '../../backend/compile-wasm-file';

const BINARY = new URL('./build/adam.wasm', import.meta.url);

/** What `assembly/adam.ts` exports. */
interface AdamExports {
  memory: WebAssembly.Memory;
  plan(floats: number): number;
  parametersOffset(): number;
  gradientsOffset(): number;
  firstMomentOffset(): number;
  secondMomentOffset(): number;
  gradientSquares(): number;
  update(
    gradientScale: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    correction1: number,
    correction2: number,
    epsilon: number,
    negativeLearningRate: number,
  ): void;
}

/** One Adam step's settings; `step` counts from 1. */
export interface AdamUpdate {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  step: number;
  /** Multiplies every gradient first: 1, or the factor that clips their global norm. */
  gradientScale: number;
}

/**
 * Adam's state and update for a fixed list of tensors, in one instance of
 * the WebAssembly kernel (`assembly/adam.ts`, Node only: it serves
 * training). Each tensor has four views into the kernel's memory:
 * parameters and gradients, which the caller fills before `update`, and the
 * two moments, which persist from step to step. The memory never grows
 * after `create`, so the views stay valid.
 *
 * @example
 * ```ts
 * const kernel = await AdamKernel.create([640_000, 16_384]);
 * kernel.parameters(0).set(embedding);
 * kernel.gradients(0).set(embeddingGradient); // …and tensor 1's
 * kernel.update({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1, gradientScale: 1 });
 * kernel.parameters(0); // the updated embedding
 * ```
 */
export class AdamKernel {
  readonly #exports: AdamExports;
  readonly #sizes: readonly number[];
  /** Each tensor's first float; every one starts on a whole SIMD vector. */
  readonly #starts: readonly number[];

  private constructor(exports: AdamExports, sizes: readonly number[], starts: readonly number[]) {
    this.#exports = exports;
    this.#sizes = sizes;
    this.#starts = starts;
  }

  /**
   * A kernel for tensors of these sizes (element counts), moments zeroed.
   *
   * @throws Error when the binary is missing (run `npm run build:kernels`)
   *   or the tensors do not fit in a WebAssembly memory
   */
  static async create(sizes: readonly number[]): Promise<AdamKernel> {
    const module = await compileWasmFile(BINARY, 'run `npm run build:kernels` first');
    const exports = (await WebAssembly.instantiate(module, {})).exports as unknown as AdamExports;
    const starts: number[] = [];
    let floats = 0;
    for (const size of sizes) {
      starts.push(floats);
      floats += (size + 3) & ~3;
    }
    if (!exports.plan(floats)) throw new Error(`the Adam kernel cannot hold ${floats} parameters with their gradients and moments`);
    return new AdamKernel(exports, [...sizes], starts);
  }

  parameters(index: number): Float32Array {
    return this.#view(this.#exports.parametersOffset(), index);
  }

  gradients(index: number): Float32Array {
    return this.#view(this.#exports.gradientsOffset(), index);
  }

  firstMoment(index: number): Float32Array {
    return this.#view(this.#exports.firstMomentOffset(), index);
  }

  secondMoment(index: number): Float32Array {
    return this.#view(this.#exports.secondMomentOffset(), index);
  }

  /** The L2 norm of all gradients together, summed in float64. */
  gradientNorm(): number {
    return Math.sqrt(this.#exports.gradientSquares());
  }

  /**
   * Updates moments and parameters in place. Each coefficient becomes the
   * float32 scalar tfjs would make of it, so the results equal tfjs's
   * elementwise kernels bit for bit.
   */
  update({ learningRate, beta1, beta2, epsilon, step, gradientScale }: AdamUpdate): void {
    this.#exports.update(gradientScale, beta1, 1 - beta1, beta2, 1 - beta2, 1 - beta1 ** step, 1 - beta2 ** step, epsilon, -learningRate);
  }

  #view(offset: number, index: number): Float32Array {
    return new Float32Array(this.#exports.memory.buffer, offset + this.#starts[index] * 4, this.#sizes[index]);
  }
}
