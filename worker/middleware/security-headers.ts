import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../bindings';

/**
 * Hono's secure headers plus a CSP that lets the demo page load its own
 * script, style and API and nothing else: no inline script, no other origin,
 * no framing. JSON answers carry it too, where it does no harm.
 *
 * @example
 * ```ts
 * app.use(securityHeaders());
 * // Content-Security-Policy: default-src 'none'; script-src 'self'; ...
 * ```
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      connectSrc: ["'self'"],
      imgSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
    // Sites on other origins call the API; CORS decides who may read it.
    crossOriginResourcePolicy: 'cross-origin',
  });
}
