import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { ApiError } from '../api-error';
import type { AppEnv } from '../bindings';
import { limitsFromEnv } from '../limits';

/**
 * Answers 413 `payload_too_large` for a body over `MAX_BODY_BYTES` before it
 * is read whole: at once from its `Content-Length`, or, for a chunked body,
 * as soon as the bytes counted while streaming pass the limit.
 *
 * @example
 * ```ts
 * app.post('/v1/classify', bodyLimit(), handler);
 * // Content-Length: 2000000 -> 413 {"error":{"code":"payload_too_large","message":"the body exceeds MAX_BODY_BYTES = 1048576 bytes"}}
 * ```
 */
export function bodyLimit(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const { maxBodyBytes } = limitsFromEnv(c.env);
    return honoBodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `the body exceeds MAX_BODY_BYTES = ${maxBodyBytes} bytes`);
      },
    })(c, next);
  };
}
