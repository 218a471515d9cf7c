import { MODEL_JSON_FILE, WEIGHTS_FILE } from '../artifact';
import { startBrowserBackend } from '../backend/browser';
import { Classifier } from '../classifier';
import { startBrowserBilstmKernel } from '../kernels/bilstm/browser';

/** The tfjs wasm binary's file name, as the static build lays it out next to the script. */
export const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';
/** The fused BiLSTM kernel's file name, as the static build lays it out next to the script. */
export const KERNEL_FILE = 'bilstm.wasm';

export interface LoadClassifierOptions {
  /**
   * The folder holding `model.json` and `weights.bin` (a training run's
   * `model/`). Default: `model/` next to `bilstm-edge.js`.
   */
  modelUrl?: string | URL;
  /** The tfjs wasm SIMD binary. Default: `tfjs-backend-wasm-simd.wasm` next to `bilstm-edge.js`. */
  wasmUrl?: string | URL;
  /** The fused BiLSTM kernel. Default: `bilstm.wasm` next to `bilstm-edge.js`. */
  kernelUrl?: string | URL;
  /**
   * Also registers tfjs's gradients, which `classify(texts, { explain:
   * 'gradient' })` needs: a few milliseconds more to load. Default false.
   */
  gradients?: boolean;
}

/**
 * Loads the classifier into this page: starts the tfjs wasm backend and the
 * fused BiLSTM kernel (the worker's engine, so `recurrenceEngine()` is
 * `'kernel'` afterwards), then fetches, verifies (sha256, shapes) and loads
 * the model. Everything runs in the browser afterwards; `classify` makes no
 * network call.
 *
 * @throws Error naming the URL that could not be fetched or compiled;
 *   ArtifactError or ModelMismatchError for a corrupt or inconsistent model
 *
 * @example
 * ```ts
 * import { loadClassifier } from './bilstm-edge/bilstm-edge.js';
 *
 * const classifier = await loadClassifier({ gradients: true });
 * classifier.classify(['A moving, beautifully acted film.'], { explain: 'gradient' });
 * // [{ label: 'positive', score: 0.93, scores: [...], tokens: [{ token: 'a', start: 0, end: 1, contribution: 0.01 }, ...] }]
 * ```
 */
export async function loadClassifier(options: LoadClassifierOptions = {}): Promise<Classifier> {
  const here = new URL('./', import.meta.url);
  const modelFolder = new URL(String(options.modelUrl ?? new URL('model/', here)));
  if (!modelFolder.pathname.endsWith('/')) modelFolder.pathname += '/';
  // The kernel works in the backend's heap, so it starts once the backend has; the model's
  // downloads overlap both.
  const [, modelJson, weights] = await Promise.all([
    startBrowserBackend({ wasmUrl: options.wasmUrl ?? new URL(WASM_FILE, here), gradients: options.gradients ?? false }).then(() =>
      startBrowserBilstmKernel({ wasmUrl: options.kernelUrl ?? new URL(KERNEL_FILE, here) }),
    ),
    download(new URL(MODEL_JSON_FILE, modelFolder)).then((response) => response.json()),
    download(new URL(WEIGHTS_FILE, modelFolder)).then((response) => response.arrayBuffer()),
  ]);
  return Classifier.load(modelJson, weights);
}

async function download(url: URL): Promise<Response> {
  const response = await fetch(url).catch((error: unknown) => {
    throw new Error(`could not fetch ${url}: ${(error as Error).message}`, { cause: error });
  });
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  return response;
}
