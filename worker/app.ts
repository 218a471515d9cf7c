import { Hono } from 'hono';
import type { AppEnv } from './bindings';
import { cors } from './middleware/cors';
import { handleError, handleNotFound, methodNotAllowed } from './middleware/errors';
import { securityHeaders } from './middleware/security-headers';
import { createModelLoader } from './model/load-model';
import type { ModelFiles } from './model/model-source';
import { classifyRoute } from './routes/classify';
import { demoRoutes } from './routes/demo';
import { healthRoute } from './routes/health';
import { modelRoute } from './routes/model';
import { openApiRoute } from './routes/openapi';
import { widgetRoute } from './routes/widget';

export interface AppOptions {
  /** The model served unless the `MODEL_KEY` var names one in R2. */
  bundledModel: ModelFiles;
}

/**
 * The whole API and demo page. Each app loads its model once, on the first
 * request that needs it.
 *
 * @example
 * ```ts
 * import modelJson from './model/default/model.json';
 * import weights from './model/default/weights.bin';
 *
 * export default createApp({ bundledModel: { modelJson, weights } });
 * ```
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const loadModel = createModelLoader({ bundled: options.bundledModel });
  const app = new Hono<AppEnv>();
  // Outermost first: the 405 answer is made under the CORS and security headers.
  app.use(securityHeaders());
  app.use(cors());
  app.use(methodNotAllowed(app));
  app.route('/', classifyRoute(loadModel));
  app.route('/', modelRoute(loadModel));
  app.route('/', healthRoute(loadModel));
  app.route('/', openApiRoute());
  app.route('/', demoRoutes());
  app.route('/', widgetRoute());
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
