/**
 * `widget.js`: live sentiment beside a site's text field.
 *
 * ```html
 * <script src="https://bilstm-edge.example.workers.dev/widget.js" data-target="textarea#review" data-explain="true" defer></script>
 * ```
 *
 * Bundled by esbuild as an IIFE (`npm run build:widget`), so it defines no
 * globals. It must be a classic script: its settings are read from
 * `document.currentScript`, which modules do not have.
 */
import { BilstmEdgeError, classify } from '../../shared/client';
import { readWidgetConfig, type WidgetConfig } from './config';
import { createView } from './view';

const PREFIX = '[bilstm-edge widget]';
/** Typing goes on while we wait: a slow answer is dropped rather than awaited. */
const REQUEST_TIMEOUT_MS = 8_000;

start(document.currentScript);

function start(script: HTMLOrSVGScriptElement | null): void {
  if (!(script instanceof HTMLScriptElement)) {
    console.error(`${PREFIX} load widget.js with a classic <script src> tag, not as a module`);
    return;
  }
  let config: WidgetConfig;
  try {
    config = readWidgetConfig(script);
  } catch (error) {
    console.error(`${PREFIX} ${(error as Error).message}`);
    return;
  }
  const attachAll = () => {
    const fields = document.querySelectorAll(config.target);
    if (fields.length === 0) console.error(`${PREFIX} data-target "${config.target}" matches no element`);
    fields.forEach((field) => attach(field, config));
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', attachAll, { once: true });
  else attachAll();
}

function attach(field: Element, config: WidgetConfig): void {
  if (!(field instanceof HTMLTextAreaElement || field instanceof HTMLInputElement)) {
    console.error(`${PREFIX} data-target must select textareas or inputs, not <${field.localName}>`);
    return;
  }
  const view = createView(field, config);
  let pending: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  const update = async () => {
    // Only the answer for the latest text may be shown.
    inFlight?.abort();
    const text = field.value;
    if (!/\S/.test(text)) return view.clear();
    const request = (inFlight = new AbortController());
    const ask = (explain: WidgetConfig['explain'], retries?: number) =>
      classify(text, { endpoint: config.endpoint, explain, retries, timeoutMs: REQUEST_TIMEOUT_MS, signal: request.signal });
    try {
      let result;
      try {
        // Not retried: a failed explanation falls back to the label at once.
        result = await ask(config.explain, config.explain ? 0 : undefined);
      } catch (error) {
        if (!config.explain || !explanationFailed(error)) throw error;
        result = await ask(false);
      }
      view.showResult(text, result);
    } catch (error) {
      if (request.signal.aborted) return;
      view.showError(error instanceof BilstmEdgeError ? error.message : 'the classifier could not be reached');
    }
  };

  field.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(update, config.debounceMs);
  });
  if (/\S/.test(field.value)) void update();
}

/**
 * Whether an explained classify failed where a plain one may not. An
 * explanation costs a pass per token, more CPU than Workers' free plan gives
 * a long text, and Cloudflare then answers with its own error page, which
 * carries no CORS headers: a page of another origin sees a network error,
 * its own origin an `http_error`. A 429 or 503 of the API itself is retried
 * by the plain classify.
 */
function explanationFailed(error: unknown): boolean {
  if (!(error instanceof BilstmEdgeError)) return false;
  return error.code === 'network_error' || error.code === 'http_error' || error.status === 429 || error.status === 503;
}
