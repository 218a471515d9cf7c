/**
 * In-browser mode (`npm run build:browser`) on the example page
 * `worker/examples/in-browser/`, in headless chromium under a CSP that
 * allows only the site itself and 'wasm-unsafe-eval': the model runs in the
 * page on the worker's fused BiLSTM kernel, makes no request once loaded,
 * and scores as the worker does.
 */
import { describe, expect, it } from 'vitest';
import type { Classification } from '../../shared/classifier';
import { useBrowserStack, type BrowserStack } from '../support/browser-stack';
import { saveScreenshot, skipBrowserTests, watchPage } from '../support/chromium';

const TEXTS = [
  'One of the best films I have seen in years. The acting is superb and I loved every minute of it.',
  'A dull, tedious mess. The plot is stupid and the dialogue is awful. A complete waste of time.',
  'Not bad at all, I loved it!',
  // More tokens than the model's sequence length: cut, as in the worker.
  'The first half drags and the jokes fall flat, yet the last act is so moving, so well acted and so beautifully shot that I left the cinema delighted and have thought about it every day since, which few films manage.',
  'Ünïcödé — “quotes”, émojis 🎬 and <b>tags</b> too',
  '!!! ???',
];
const TOLERANCE = 1e-5;

describe.skipIf(skipBrowserTests)('in-browser mode', () => {
  const stack = useBrowserStack();

  it.each([true, 'gradient'] as const)('scores every text on the fused kernel as the worker does, within 1e-5, explained by %s', async (explain) => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    await page.goto(stack.site.inBrowserUrl);
    // A string, not a function: vitest would rewrite a function's `import()` for Node.
    const inBrowser: { model: string; engine: string; results: Classification[] } = await page.evaluate(`(async () => {
      const { loadClassifier, recurrenceEngine } = await import(${JSON.stringify(bundleUrl(stack))});
      const classifier = await loadClassifier({ gradients: ${explain === 'gradient'} });
      const results = classifier.classify(${JSON.stringify(TEXTS)}, { explain: ${JSON.stringify(explain)} });
      return { model: classifier.info.id, engine: recurrenceEngine(), results };
    })()`);
    const worker = await workerAnswer(stack, TEXTS, explain);

    expect(inBrowser.engine).toBe('kernel');
    expect(inBrowser.model).toBe(worker.model);
    expect(inBrowser.results).toHaveLength(TEXTS.length);
    inBrowser.results.forEach((got, index) => {
      const want = worker.results[index];
      expect(got.label).toBe(want.label);
      expect(got.scores.map((s) => s.label)).toEqual(want.scores.map((s) => s.label));
      got.scores.forEach((s, k) => expect(Math.abs(s.score - want.scores[k].score)).toBeLessThanOrEqual(TOLERANCE));
      expect(got.tokens!.map(({ token, start, end }) => [token, start, end])).toEqual(want.tokens!.map(({ token, start, end }) => [token, start, end]));
      got.tokens!.forEach((t, k) => expect(Math.abs(t.contribution - want.tokens![k].contribution)).toBeLessThanOrEqual(TOLERANCE));
    });
    // Both labels occur, so agreeing on them means something.
    expect(new Set(worker.results.map((r) => r.label))).toEqual(new Set(['positive', 'negative']));
    expect(seen).toEqual({ errors: [], dialogs: [] });
  });

  it('names the kernel binary when it cannot be fetched', async () => {
    const page = await stack.browser.context.newPage();
    await page.goto(stack.site.inBrowserUrl);
    const missing = `${stack.site.inBrowserUrl}bilstm-edge/missing-bilstm.wasm`;
    const message: string = await page.evaluate(`(async () => {
      const { loadClassifier } = await import(${JSON.stringify(bundleUrl(stack))});
      return loadClassifier({ kernelUrl: ${JSON.stringify(missing)} }).then(() => 'loaded', (error) => error.message);
    })()`);
    expect(message).toBe(`could not compile the bilstm kernel from ${missing}: HTTP 404`);
  });

  it('runs the example page without a request once the model is loaded', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(stack.site.inBrowserUrl);
    const worker = await workerAnswer(stack, [TEXTS[0]]);
    await expect.poll(() => page.locator('#model').textContent(), { timeout: 20_000 }).toBe(
      `Model ${worker.model} loaded: negative, positive.`,
    );
    expect(requests.every((url) => url.startsWith(stack.site.server.origin))).toBe(true);
    const loadRequests = requests.length;

    await page.locator('#text').fill(TEXTS[0]);
    await page.getByRole('button', { name: 'Classify' }).click();
    const [want] = worker.results;
    await expect.poll(() => page.locator('#result').textContent()).toBe(`${want.label}, ${(want.score * 100).toFixed(1)}%`);
    expect(requests).toHaveLength(loadRequests);
    await saveScreenshot(page, 'in-browser');
    expect(seen).toEqual({ errors: [], dialogs: [] });
  });
});

function bundleUrl(stack: BrowserStack): string {
  return `${stack.site.inBrowserUrl}bilstm-edge/bilstm-edge.js`;
}

async function workerAnswer(stack: BrowserStack, texts: string[], explain: boolean | 'gradient' = true): Promise<{ model: string; results: Classification[] }> {
  const response = await stack.dev.fetch('/v1/classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ texts, explain }),
  });
  expect(response.status).toBe(200);
  return response.json();
}
