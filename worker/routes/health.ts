import { memory } from '@tensorflow/tfjs-core';
import { Hono } from 'hono';
import type { AppEnv } from '../bindings';
import type { ModelLoader } from '../model/load-model';
import type { HealthResponse } from '../schemas';

/**
 * `GET /healthz`: 200 once the model is loaded, 503 `model_unavailable`
 * when it cannot be. It loads the model, so that "healthy" means able to
 * classify and a probe warms a fresh isolate. `tensors`, the isolate's live
 * tfjs tensor count, lets a load test see a leak; a count reveals nothing
 * about requests or the model that `/v1/model` does not.
 *
 * @example
 * ```ts
 * app.route('/', healthRoute(loadModel));
 * // GET /healthz -> {"status":"ok","model":"3f9a…","tensors":17}
 * ```
 */
export function healthRoute(loadModel: ModelLoader) {
  return new Hono<AppEnv>().get('/healthz', async (c) => {
    const { info } = await loadModel(c.env);
    const answer: HealthResponse = { status: 'ok', model: info.id, tensors: memory().numTensors };
    return c.json(answer);
  });
}
