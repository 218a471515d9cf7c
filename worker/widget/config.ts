import type { ExplainMethod } from '../../shared/client';

/** What a site sets on the widget's `<script>` tag. */
export interface WidgetConfig {
  /** The worker's base URL (`data-endpoint`); default: where `widget.js` was loaded from. */
  endpoint: string;
  /** CSS selector of the textareas or text inputs to watch (`data-target`, required). */
  target: string;
  /** How to find the words that drove the answer (`data-explain`: `"true"` is occlusion), or false for not at all. */
  explain: ExplainMethod | false;
  /** Quiet time after the last keystroke before asking, in ms (`data-debounce`, default 400). */
  debounceMs: number;
}

const DEFAULT_DEBOUNCE_MS = 400;
const MAX_DEBOUNCE_MS = 10_000;

/**
 * Reads the widget's `data-*` attributes.
 *
 * @throws Error naming the attribute that is missing or malformed
 *
 * @example
 * ```ts
 * // <script src="https://bilstm-edge.example.workers.dev/widget.js" data-target="textarea#review" data-explain="true">
 * readWidgetConfig(document.currentScript as HTMLScriptElement);
 * // { endpoint: 'https://bilstm-edge.example.workers.dev/', target: 'textarea#review', explain: 'occlusion', debounceMs: 400 }
 * ```
 */
export function readWidgetConfig(script: HTMLScriptElement): WidgetConfig {
  const { endpoint, target, explain = 'false', debounce = String(DEFAULT_DEBOUNCE_MS) } = script.dataset;
  if (!target) {
    throw new Error('data-target is missing: give a CSS selector of the field to watch, e.g. data-target="textarea#review"');
  }
  const explainMethods: Record<string, ExplainMethod | false> = { true: 'occlusion', occlusion: 'occlusion', gradient: 'gradient', false: false };
  if (!Object.hasOwn(explainMethods, explain)) {
    throw new Error(`data-explain must be "true", "occlusion", "gradient" or "false", got "${explain}"`);
  }
  const debounceMs = Number(debounce);
  if (!(Number.isInteger(debounceMs) && debounceMs >= 0 && debounceMs <= MAX_DEBOUNCE_MS)) {
    throw new Error(`data-debounce must be a whole number of milliseconds from 0 to ${MAX_DEBOUNCE_MS}, got "${debounce}"`);
  }
  return { endpoint: new URL(endpoint ?? './', script.src).href, target, explain: explainMethods[explain], debounceMs };
}
