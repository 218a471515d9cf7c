import type { MiddlewareHandler } from 'hono';
import { cors as honoCors } from 'hono/cors';
import type { AppEnv } from '../bindings';

/**
 * CORS for the API, with the allowed origins read from the `CORS_ORIGINS`
 * var on each request: `*` (the default) or a comma-separated list such as
 * `https://example.com, https://www.example.com`. Preflights are answered
 * 204 here and never reach a route.
 *
 * @example
 * ```ts
 * app.use(cors());
 * // OPTIONS /v1/classify, Origin: https://example.com
 * // -> 204, Access-Control-Allow-Origin: https://example.com, Access-Control-Allow-Methods: GET,HEAD,POST
 * ```
 */
export function cors(): MiddlewareHandler<AppEnv> {
  return honoCors({
    origin: (origin, c) => allowedOrigin(origin, c.env.CORS_ORIGINS),
    allowMethods: ['GET', 'HEAD', 'POST'],
    allowHeaders: ['Content-Type'],
    maxAge: 86_400,
  });
}

function allowedOrigin(origin: string, configured: string | undefined): string | null {
  const allowed = (configured ?? '*').split(',').map((entry) => entry.trim());
  if (allowed.includes('*')) return '*';
  return allowed.includes(origin) ? origin : null;
}
