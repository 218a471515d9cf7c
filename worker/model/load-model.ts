import { ArtifactError } from '../../shared/artifact';
import { startWorkerdBackend } from '../../shared/backend/workerd';
import { startWorkerdBilstmKernel } from '../../shared/kernels/bilstm/workerd';
import { Classifier } from '../../shared/classifier';
import { ApiError } from '../api-error';
import type { Bindings } from '../bindings';
import { modelSource, type ModelFiles, type ModelSource } from './model-source';

/** Gives the classifier that a request's env asks for. */
export type ModelLoader = (env: Bindings) => Promise<Classifier>;

export interface ModelLoaderOptions {
  /** The model bundled into the worker, served unless `MODEL_KEY` names another. */
  bundled: ModelFiles;
}

/**
 * Loads the backend and the model lazily, once per isolate: the first
 * request starts the load, concurrent ones share it, later ones get the
 * loaded model at once. A failed load is forgotten, so the next request
 * tries again rather than finding the isolate broken for good.
 *
 * @throws ApiError 503 `model_unavailable` (from the returned loader) when
 *   the model cannot be read or fails its checks (sha256, shapes, labels):
 *   never a model that would answer wrongly
 *
 * @example
 * ```ts
 * const loadModel = createModelLoader({ bundled: { modelJson, weights } });
 * app.get('/v1/model', async (c) => c.json((await loadModel(c.env)).info));
 * ```
 */
export function createModelLoader(options: ModelLoaderOptions): ModelLoader {
  let current: { key: string; classifier: Promise<Classifier> } | undefined;

  return async (env) => {
    const source = sourceOrUnavailable(env, options.bundled);
    if (current?.key === source.key) return current.classifier;
    const previous = current;
    const loading = { key: source.key, classifier: load(source) };
    current = loading;
    // MODEL_KEY changes only between deployments, which get new isolates; when
    // it does change within one (tests do), the replaced model's tensors are
    // freed once the new load settles, long after requests that already held
    // the old model have run their synchronous classify.
    const release = () => previous?.classifier.then((old) => old.dispose(), () => {});
    loading.classifier.then(release, () => {
      release();
      if (current === loading) current = undefined;
    });
    return loading.classifier;
  };
}

function sourceOrUnavailable(env: Bindings, bundled: ModelFiles): ModelSource {
  try {
    return modelSource(env, bundled);
  } catch (error) {
    throw unavailable(error);
  }
}

async function load(source: ModelSource): Promise<Classifier> {
  try {
    await startWorkerdBackend({ gradients: false });
    await startWorkerdBilstmKernel();
    const { modelJson, weights } = await source.read();
    return await Classifier.load(modelJson, weights);
  } catch (error) {
    throw unavailable(error, source.key);
  }
}

function unavailable(error: unknown, sourceKey?: string): ApiError {
  const from = sourceKey === undefined ? '' : ` (${sourceKey})`;
  console.error(`model${from} failed to load:`, error);
  // The artifact's code (e.g. sha256_mismatch) tells an operator what to fix.
  const reason =
    error instanceof ArtifactError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return new ApiError(503, 'model_unavailable', `the model${from} is unavailable: ${reason}`, { cause: error });
}
