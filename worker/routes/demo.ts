import { Hono } from 'hono';
import type { AppEnv } from '../bindings';
import { DEMO_PAGE } from '../demo/page';
import { DEMO_SCRIPT } from '../demo/script';
import { DEMO_STYLE } from '../demo/style';

/**
 * The demo page (`GET /`) and its script and style, which live at their own
 * paths so that the CSP can forbid inline code.
 *
 * @example
 * ```ts
 * app.route('/', demoRoutes());
 * // GET / -> text/html; GET /demo.js -> text/javascript; GET /demo.css -> text/css
 * ```
 */
export function demoRoutes() {
  const asset = (body: string, contentType: string) => () =>
    new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'public, max-age=300' } });
  return new Hono<AppEnv>()
    .get('/', asset(DEMO_PAGE, 'text/html; charset=utf-8'))
    .get('/demo.js', asset(DEMO_SCRIPT, 'text/javascript; charset=utf-8'))
    .get('/demo.css', asset(DEMO_STYLE, 'text/css; charset=utf-8'));
}
