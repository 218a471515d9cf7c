/**
 * The widget's `data-*` attributes as a site writes them on its `<script>`
 * tag: what each value asks of the API, and the error a typo gets.
 */
import { describe, expect, it } from 'vitest';
import { readWidgetConfig } from '../../worker/widget/config';

const SRC = 'https://bilstm-edge.example.workers.dev/widget.js';

function scriptTag(dataset: Record<string, string>): HTMLScriptElement {
  return { dataset, src: SRC } as unknown as HTMLScriptElement;
}

describe('readWidgetConfig', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', 'occlusion'],
    ['occlusion', 'occlusion'],
    ['gradient', 'gradient'],
  ] as const)('reads data-explain=%j as explain %j', (explain, expected) => {
    const config = readWidgetConfig(scriptTag({ target: '#review', ...(explain === undefined ? {} : { explain }) }));
    expect(config).toEqual({ endpoint: 'https://bilstm-edge.example.workers.dev/', target: '#review', explain: expected, debounceMs: 400 });
  });

  it.each(['yes', 'Gradient', '', 'constructor'])('refuses data-explain=%j, naming the values it takes', (explain) => {
    expect(() => readWidgetConfig(scriptTag({ target: '#review', explain }))).toThrow(
      `data-explain must be "true", "occlusion", "gradient" or "false", got "${explain}"`,
    );
  });

  it('names a missing data-target and a bad data-debounce', () => {
    expect(() => readWidgetConfig(scriptTag({}))).toThrow('data-target is missing');
    expect(() => readWidgetConfig(scriptTag({ target: '#review', debounce: '-5' }))).toThrow(
      'data-debounce must be a whole number of milliseconds from 0 to 10000, got "-5"',
    );
  });
});
