import type { Context, Hono, NotFoundHandler, ErrorHandler } from 'hono';
import { methodNotAllowed as honoMethodNotAllowed } from 'hono/method-not-allowed';
import { ApiError, errorBody } from '../api-error';
import type { AppEnv } from '../bindings';

/**
 * `app.onError`: answers an `ApiError` as it is; logs anything else and
 * answers 500 without its message or stack, which may name internals.
 */
export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof ApiError) return c.json(error.body, error.status);
  console.error(`${c.req.method} ${c.req.path} failed:`, error);
  return c.json(errorBody('internal_error', 'internal error; the cause has been logged'), 500);
};

/** `app.notFound`: a JSON 404 naming the path. */
export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}; see /openapi.json`), 404);

/**
 * Turns the 404 of a known path asked with another method into a JSON 405
 * with an `Allow` header. Register it before the routes.
 *
 * @example
 * ```ts
 * app.use(methodNotAllowed(app));
 * // PUT /v1/classify -> 405, Allow: POST
 * ```
 */
export function methodNotAllowed(app: Hono<AppEnv>) {
  return honoMethodNotAllowed({
    app,
    onMethodNotAllowed: (c: Context<AppEnv>, methods: string[]) =>
      c.json(
        errorBody('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${methods.join(' or ')}`),
        405,
        { Allow: methods.join(', ') },
      ),
  });
}
