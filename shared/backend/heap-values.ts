import * as tf from '@tensorflow/tfjs-core';

/** What these functions need of tfjs-backend-wasm's backend: its public `getMemoryOffset`, `makeOutput` and heap. */
interface WasmHeapBackend {
  getMemoryOffset(dataId: object): number;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

/** Whether the active backend keeps tensors in a WebAssembly heap, as tfjs-backend-wasm does. */
function isWasmHeapBackend(backend: object = tf.backend()): backend is WasmHeapBackend {
  return 'getMemoryOffset' in backend && typeof (backend as { wasm?: { HEAPU8?: unknown } }).wasm?.HEAPU8 === 'object';
}

/**
 * A float32 tensor's values, for use at once: on the wasm backend a view
 * of its heap, on others `dataSync()`. `dataSync` copies into a fresh array
 * (~200 KB per recurrent layer for a 100-token text, 2.5 MB for an
 * embedding table): garbage at hundreds of requests a second that the
 * runtime's allocator, not the model, then holds on to. The view is valid
 * until tfjs next allocates, so read it before any other tfjs call.
 *
 * @example
 * ```ts
 * const values = float32Values(table); // no copy on the wasm backend
 * const row = values.slice(id * width, (id + 1) * width);
 * ```
 */
export function float32Values(tensor: tf.Tensor): Float32Array {
  const backend = tf.backend();
  if (tensor.dtype !== 'float32' || !isWasmHeapBackend(backend)) return tensor.dataSync() as Float32Array;
  return new Float32Array(backend.wasm.HEAPU8.buffer, backend.getMemoryOffset(tensor.dataId), tensor.size);
}

/**
 * A new float32 tensor in the wasm backend's heap, its values not yet set:
 * for a kernel of ours to write into (through `float32Values`, taken after
 * every other allocation) instead of into memory of its own that a tensor
 * would then copy.
 *
 * @throws Error when tfjs does not run on the wasm backend
 *
 * @example
 * ```ts
 * const states = tensorToFill([100, 1, 128]);
 * kernel.forward(shape, { projected: float32Values(projected), recurrent, mask: null }, float32Values(states));
 * ```
 */
export function tensorToFill(shape: readonly number[]): tf.Tensor {
  const backend = tf.backend();
  if (!isWasmHeapBackend(backend)) throw new Error(`tensorToFill: tfjs runs on '${tf.getBackend()}', not on the wasm backend`);
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...shape], 'float32'));
}

/**
 * A new float32 tensor whose values `fill` writes: on the wasm backend
 * straight into the tensor's memory (see `tensorToFill`), elsewhere into an
 * array the tensor then takes. Either way the values start undefined, and
 * `fill` must not make tensors: a view of the heap is valid until tfjs next
 * allocates, so `fill` takes the views it reads itself.
 *
 * @example
 * ```ts
 * const rows = tensorFilledBy([3, 2], (values) => pickRows(float32Values(table), 2, [2, 1, 2], values));
 * ```
 */
export function tensorFilledBy(shape: readonly number[], fill: (values: Float32Array) => void): tf.Tensor {
  if (!isWasmHeapBackend()) {
    const values = new Float32Array(shape.reduce((size, dimension) => size * dimension, 1));
    fill(values);
    return tf.tensor(values, shape as number[], 'float32');
  }
  const tensor = tensorToFill(shape);
  fill(float32Values(tensor));
  return tensor;
}
