import type { ClassifyResult, TokenContribution } from '../../shared/client';
import { widgetStyleSheet } from './style';
import type { WidgetConfig } from './config';

/** What one widget shows beside its field. */
export interface WidgetView {
  showResult(text: string, result: ClassifyResult): void;
  showError(message: string): void;
  clear(): void;
}

/** Tokens moving the score less than this share of the strongest one stay unmarked. */
const MARK_THRESHOLD = 0.1;
/** How many of the strongest words the text summary names on each side. */
const DRIVERS_SHOWN = 3;

/**
 * Inserts the widget after `field`, in a shadow root so that the page's
 * styles and the widget's do not meet. Everything from the user or the
 * worker enters as text nodes (`textContent`, `append(string)`), never as
 * HTML. The verdict is a polite live region, announced when typing pauses;
 * the words that drove it are also summarised in text, not only in colour
 * or mouse-only tooltips.
 *
 * @example
 * ```ts
 * const view = createView(document.querySelector('textarea#review')!, { explain: 'gradient' });
 * view.showResult(text, await classify(text, { endpoint, explain: 'gradient' }));
 * ```
 */
export function createView(field: Element, options: Pick<WidgetConfig, 'explain'>): WidgetView {
  const host = document.createElement('div');
  host.setAttribute('data-bilstm-edge-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [widgetStyleSheet()];

  const status = element('p', 'status');
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  status.setAttribute('aria-atomic', 'true');
  const bar = element('div', 'bar');
  bar.setAttribute('aria-hidden', 'true');
  const fill = element('div', 'fill');
  bar.append(fill);
  const words = element('p', 'words');
  words.setAttribute('aria-hidden', 'true');
  const drivers = element('p', 'drivers');
  root.append(status, bar, words, drivers);
  field.after(host);

  const clear = () => {
    status.textContent = '';
    status.classList.remove('error');
    for (const part of [bar, words, drivers]) part.hidden = true;
  };
  clear();

  return {
    showResult(text, result) {
      const percent = `${(result.score * 100).toFixed(0)}%`;
      status.classList.remove('error');
      status.textContent = `Sentiment: ${result.label}, ${percent}`;
      // CSSOM, not a style attribute: allowed under a CSP without 'unsafe-inline'.
      fill.style.width = percent;
      bar.hidden = false;
      const tokens = options.explain ? (result.tokens ?? []) : [];
      words.replaceChildren(...highlighted(text, tokens));
      words.hidden = tokens.length === 0;
      drivers.textContent = summary(result.label, tokens);
      drivers.hidden = tokens.length === 0;
    },
    showError(message) {
      clear();
      status.classList.add('error');
      status.textContent = `Sentiment unavailable: ${message}`;
    },
    clear,
  };
}

function element(tag: string, className: string): HTMLElement {
  const created = document.createElement(tag);
  created.className = className;
  return created;
}

/** The text as typed, with the tokens that mattered marked by direction and strength. */
function highlighted(text: string, tokens: TokenContribution[]): (Node | string)[] {
  const strongest = Math.max(...tokens.map((token) => Math.abs(token.contribution)));
  const parts: (Node | string)[] = [];
  let cursor = 0;
  for (const token of tokens) {
    const strength = Math.abs(token.contribution) / strongest;
    if (!(strength >= MARK_THRESHOLD)) continue;
    parts.push(text.slice(cursor, token.start));
    const mark = element('mark', `${token.contribution > 0 ? 'up' : 'down'}${Math.ceil(strength * 3)}`);
    mark.textContent = text.slice(token.start, token.end);
    mark.title = `${token.token}: ${token.contribution > 0 ? '+' : ''}${token.contribution.toFixed(3)}`;
    parts.push(mark);
    cursor = token.end;
  }
  parts.push(text.slice(cursor));
  return parts;
}

/** e.g. "For positive: loved, superb. Against: dull." */
function summary(label: string, tokens: TokenContribution[]): string {
  const strongest = (sign: 1 | -1) =>
    tokens
      .filter((token) => sign * token.contribution > 0)
      .sort((a, b) => sign * (b.contribution - a.contribution))
      .slice(0, DRIVERS_SHOWN)
      .map((token) => token.token)
      .join(', ');
  const towards = strongest(1);
  const against = strongest(-1);
  return [towards && `For ${label}: ${towards}.`, against && `Against: ${against}.`].filter(Boolean).join(' ');
}
