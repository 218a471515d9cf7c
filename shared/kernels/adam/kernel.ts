import { compileWasmFile } from '../../backend/compile-wasm-file';
import { heapAddress, wasmHeap, type WasmHeap } from '../../backend/wasm-heap';
import { binaryForHeap } from '../heap-binary';

/** What `assembly/adam.ts` exports. */
interface AdamExports {
  gradientSquares(gradientsAt: number, count: number): number;
  update(
    parametersAt: number,
    gradientsAt: number,
    updatedAt: number,
    firstMomentAt: number,
    secondMomentAt: number,
    count: number,
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

/** One variable's arrays for {@link AdamKernel.update}: views of the heap, a tensor's values each. */
export interface AdamArrays {
  parameters: Float32Array;
  gradients: Float32Array;
  /** Where the updated parameters go: a new tensor's values (see `tensorToFill`), or `parameters` itself. */
  into: Float32Array;
}

/** Frees a collected kernel's moments: they live in tfjs's heap, which outlives the kernel. */
const momentsOfCollected =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ heap: WasmHeap; addresses: number[] }>(({ heap, addresses }) => addresses.forEach((address) => heap.free(address)))
    : undefined;

/**
 * Adam's moments and update for a fixed list of tensors, in tfjs's heap
 * (see `WasmHeap`; Node only: it serves training). It reads parameters and
 * gradients where tfjs keeps them and writes the updated parameters into a
 * tensor's memory: copying them into a memory of its own and back cost a
 * tutorial step 6 MB. The moments live in the heap from `create` until the
 * kernel is garbage-collected.
 *
 * @example
 * ```ts
 * const kernel = await AdamKernel.create([640_000, 16_384]);
 * const updated = tensorToFill(embedding.shape);
 * kernel.update(0, { parameters: float32Values(embedding), gradients: float32Values(gradient), into: float32Values(updated) }, {
 *   learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1, gradientScale: 1,
 * });
 * embedding.assign(updated); // …and tensor 1's
 * ```
 */
export class AdamKernel {
  readonly #exports: AdamExports;
  readonly #heap: WasmHeap;
  readonly #sizes: readonly number[];
  /** Each tensor's moments: their addresses in the heap. */
  readonly #moments: readonly { first: number; second: number }[];

  private constructor(exports: AdamExports, heap: WasmHeap, sizes: readonly number[], moments: { first: number; second: number }[]) {
    this.#exports = exports;
    this.#heap = heap;
    this.#sizes = sizes;
    this.#moments = moments;
  }

  /**
   * A kernel for tensors of these sizes (element counts), moments zeroed, in
   * the heap of the running tfjs wasm backend.
   *
   * @throws Error when the backend has not started, the binary is missing
   *   (run `npm run build:kernels`) or the heap cannot hold the moments
   */
  static async create(sizes: readonly number[], heap: WasmHeap = wasmHeap()): Promise<AdamKernel> {
    const module = await compileWasmFile(binaryForHeap(heap, 'adam'), 'run `npm run build:kernels` first');
    const instance = await WebAssembly.instantiate(module, { env: { memory: heap.memory } });
    const addresses = sizes.flatMap((size) => [heap.malloc(size * 4), heap.malloc(size * 4)]);
    if (addresses.includes(0)) {
      addresses.filter((address) => address !== 0).forEach((address) => heap.free(address));
      throw new Error(`the heap cannot hold Adam's moments for ${sizes.reduce((sum, size) => sum + size, 0)} parameters`);
    }
    const moments = sizes.map((_, index) => ({ first: addresses[2 * index], second: addresses[2 * index + 1] }));
    const kernel = new AdamKernel(instance.exports as unknown as AdamExports, heap, [...sizes], moments);
    momentsOfCollected?.register(kernel, { heap, addresses });
    sizes.forEach((_, index) => {
      kernel.firstMoment(index).fill(0);
      kernel.secondMoment(index).fill(0);
    });
    return kernel;
  }

  /** Tensor `index`'s first moment: a view of the heap, valid until tfjs next allocates. */
  firstMoment(index: number): Float32Array {
    return this.#view(this.#moments[index].first, index);
  }

  secondMoment(index: number): Float32Array {
    return this.#view(this.#moments[index].second, index);
  }

  /**
   * The L2 norm of all gradients together (heap views, one per tensor, in
   * order), summed in float64.
   */
  gradientNorm(gradients: readonly Float32Array[]): number {
    let squares = 0;
    gradients.forEach((values, index) => (squares += this.#exports.gradientSquares(this.#address(values, index, 'gradients'), values.length)));
    return Math.sqrt(squares);
  }

  /**
   * Updates tensor `index`'s moments in place and writes its updated
   * parameters into `arrays.into`. Each coefficient becomes the float32
   * scalar tfjs would make of it, so the results equal tfjs's elementwise
   * kernels bit for bit.
   *
   * @throws TypeError when an array is not a view of the heap, or not of the tensor's size
   */
  update(index: number, { parameters, gradients, into }: AdamArrays, { learningRate, beta1, beta2, epsilon, step, gradientScale }: AdamUpdate): void {
    const at = [this.#address(parameters, index, 'parameters'), this.#address(gradients, index, 'gradients'), this.#address(into, index, 'into')];
    const { first, second } = this.#moments[index];
    this.#exports.update(at[0], at[1], at[2], first, second, this.#sizes[index], gradientScale, beta1, 1 - beta1, beta2, 1 - beta2, 1 - beta1 ** step, 1 - beta2 ** step, epsilon, -learningRate);
  }

  #address(values: Float32Array, index: number, name: string): number {
    const address = heapAddress(this.#heap, values);
    if (address === 0 || values.length !== this.#sizes[index]) {
      throw new TypeError(`AdamKernel: ${name} of tensor ${index} must be a view of the heap of ${this.#sizes[index]} floats`);
    }
    return address;
  }

  #view(address: number, index: number): Float32Array {
    return new Float32Array(this.#heap.memory.buffer, address, this.#sizes[index]);
  }
}
