import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { AppEnv } from '../bindings';
import { WIDGET_SCRIPT } from '../widget/script.generated';

/**
 * `GET /widget.js`: the embeddable widget (built from `worker/widget/` by
 * `npm run build:widget`). Any page may load it, so it is readable from every
 * origin (for `<script crossorigin>` and Subresource Integrity) whatever
 * `CORS_ORIGINS` says; whether a page may then call the API still depends on
 * `CORS_ORIGINS`. Cached for an hour, then revalidated by ETag.
 *
 * @example
 * ```ts
 * app.route('/', widgetRoute());
 * // GET /widget.js -> 200 text/javascript, Access-Control-Allow-Origin: *, Cache-Control: public, max-age=3600
 * ```
 */
export function widgetRoute() {
  return new Hono<AppEnv>().get('/widget.js', etag(), () =>
    new Response(WIDGET_SCRIPT, {
      headers: {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=3600',
        'Access-Control-Allow-Origin': '*',
      },
    }),
  );
}
