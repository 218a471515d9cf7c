import { Hono } from 'hono';
import type { AppEnv } from '../bindings';
import { limitsFromEnv } from '../limits';
import { openApiDocument } from '../openapi';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document, with this deployment's limits.
 *
 * @example
 * ```ts
 * app.route('/', openApiRoute());
 * // GET /openapi.json -> {"openapi":"3.1.0","info":{…},"paths":{"/v1/classify":…}}
 * ```
 */
export function openApiRoute() {
  return new Hono<AppEnv>().get('/openapi.json', (c) => c.json(openApiDocument(limitsFromEnv(c.env))));
}
