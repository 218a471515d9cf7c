import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error';
import type { AppEnv } from '../bindings';

/**
 * Answers 415 `unsupported_media_type` unless the request says its body is
 * `application/json` (any charset parameter; JSON is UTF-8 either way).
 *
 * @example
 * ```ts
 * app.post('/v1/classify', requireJson(), handler);
 * // Content-Type: text/plain -> 415
 * ```
 */
export function requireJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const contentType = c.req.header('content-type') ?? '';
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') {
      const given = contentType === '' ? 'no Content-Type' : `Content-Type ${contentType}`;
      throw new ApiError(415, 'unsupported_media_type', `send the body as application/json, not ${given}`);
    }
    await next();
  };
}
