import { Hono } from 'hono';
import type { AppEnv } from '../bindings';
import type { ModelLoader } from '../model/load-model';
import type { ModelResponse } from '../schemas';

/**
 * `GET /v1/model`: what the served model is.
 *
 * @example
 * ```ts
 * app.route('/', modelRoute(loadModel));
 * // GET /v1/model -> {"id":"3f9a…","labels":["negative","positive"],"vocabulary_size":20000,…}
 * ```
 */
export function modelRoute(loadModel: ModelLoader) {
  return new Hono<AppEnv>().get('/v1/model', async (c) => {
    const { info } = await loadModel(c.env);
    const answer: ModelResponse = {
      id: info.id,
      labels: info.labels,
      // ModelInfo leaves these opaque; they are JSON objects from model.json.
      config: info.config as ModelResponse['config'],
      vocabulary_size: info.vocabularySize,
      sequence_length: info.sequenceLength,
      truncate: info.truncate,
      quantization: info.quantization,
      training: info.training as ModelResponse['training'],
      created_at: info.createdAt,
    };
    return c.json(answer);
  });
}
