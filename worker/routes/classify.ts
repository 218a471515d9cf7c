import { Hono } from 'hono';
import { registerGradients } from '../../shared/backend/start-wasm-backend';
import type { LabelScore } from '../../shared/classifier';
import type { AppEnv } from '../bindings';
import { limitsFromEnv } from '../limits';
import { bodyLimit } from '../middleware/body-limit';
import { requireJson } from '../middleware/require-json';
import type { ModelLoader } from '../model/load-model';
import { parseClassifyRequest, type ClassifyRequest } from '../parse-classify-request';
import { readJsonBody } from '../read-json-body';
import type { ClassifyResponse } from '../schemas';

/**
 * `POST /v1/classify`: `{"text"}` or `{"texts"}` in, one result per text out.
 * The request is checked whole before the model is touched, so a bad
 * request never pays for loading it.
 *
 * @example
 * ```ts
 * app.route('/', classifyRoute(loadModel));
 * // POST /v1/classify {"text":"Great film","top_k":1}
 * // -> {"model":"3f9a…","results":[{"label":"positive","score":0.97,"scores":[{"label":"positive","score":0.97}]}]}
 * ```
 */
export function classifyRoute(loadModel: ModelLoader) {
  return new Hono<AppEnv>().post('/v1/classify', requireJson(), bodyLimit(), async (c) => {
    const request = parseClassifyRequest(await readJsonBody(c.req.raw), limitsFromEnv(c.env));
    const classifier = await loadModel(c.env);
    // Serving starts without tfjs's gradients (~5 ms of a cold start); the first request that needs them registers them.
    if (request.explain === 'gradient') await registerGradients();
    const results = classifier.classify(request.texts, { explain: request.explain });
    const answer: ClassifyResponse = {
      model: classifier.info.id,
      results: results.map((result) => ({ ...result, scores: selectScores(result.scores, request) })),
    };
    return c.json(answer);
  });
}

/** The sorted `scores` cut to `top_k` and `threshold`. */
function selectScores(scores: LabelScore[], { topK, threshold }: ClassifyRequest): LabelScore[] {
  return scores.filter((entry) => entry.score >= threshold).slice(0, topK);
}
