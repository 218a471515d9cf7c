/**
 * The widget on the example host page (`worker/examples/host-page/`), served
 * from another origin than the worker and under a strict CSP with Trusted
 * Types, in headless chromium: live sentiment as the user types, the
 * highlighted words, the ARIA live region, no globals, and the client
 * labelling the page's reviews over CORS.
 */
import { describe, expect, it } from 'vitest';
import type { ClassifyResult } from 'bilstm-edge/client';
import type { Request } from 'playwright-core';
import { useBrowserStack, type BrowserStack } from '../support/browser-stack';
import { CPU_LIMIT_ANSWER, saveScreenshot, skipBrowserTests, watchPage } from '../support/chromium';

const POSITIVE = 'I loved this film, the acting is superb and the story is wonderful.';
const NEGATIVE = 'Boring and stupid, an awful waste of time.';
/** Where the test keeps `Object.getOwnPropertyNames(window)` from before any page script: a symbol, so not itself a name. */
const GLOBALS_BEFORE = 'bilstm-edge-test:globals-before';
const WIDGET = '[data-bilstm-edge-widget]';

describe.skipIf(skipBrowserTests)('the widget on a page of another origin', () => {
  const stack = useBrowserStack();

  it('shows live sentiment as the user types, debounced, in a live region, with the words that drove it', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    const widgetCalls: Request[] = [];
    page.on('request', (request) => {
      const body = request.postDataJSON() as { text?: string } | null;
      if (request.url() === `${stack.dev.origin}/v1/classify` && body?.text !== undefined) widgetCalls.push(request);
    });
    await page.addInitScript((key) => {
      (window as unknown as Record<symbol, string[]>)[Symbol.for(key)] = Object.getOwnPropertyNames(window);
    }, GLOBALS_BEFORE);
    await page.goto(stack.site.hostPageUrl);
    expect(new URL(page.url()).origin).not.toBe(stack.dev.origin);

    const status = page.locator(`${WIDGET} [role="status"]`);
    await status.waitFor({ state: 'attached' });
    expect(await status.getAttribute('aria-live')).toBe('polite');
    expect(await status.textContent()).toBe('');

    // Keyboard only: Tab reaches the field, keys type into it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('review');
    await page.keyboard.type(POSITIVE, { delay: 15 });
    const positive = await apiResult(stack, POSITIVE);
    await expect.poll(() => status.textContent()).toBe(`Sentiment: ${positive.label}, ${(positive.score * 100).toFixed(0)}%`);
    // One request for the whole sentence, not one per key.
    expect(widgetCalls.map((call) => call.postDataJSON().text)).toEqual([POSITIVE]);
    expect((await widgetCalls[0].allHeaders()).origin).toBe(stack.site.server.origin);
    expect((await widgetCalls[0].response())!.headers()['access-control-allow-origin']).toBe('*');
    // The widget never takes the focus from the field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('review');

    const words = page.locator(`${WIDGET} .words`);
    expect(await words.textContent()).toBe(POSITIVE);
    const marks = await words.locator('mark').evaluateAll((elements) => elements.map((e) => ({ text: e.textContent, className: e.className })));
    const strongest = Math.max(...positive.tokens!.map((t) => Math.abs(t.contribution)));
    const expectedMarks = positive.tokens!
      .filter((t) => Math.abs(t.contribution) >= 0.1 * strongest)
      .map((t) => ({ text: POSITIVE.slice(t.start, t.end), className: `${t.contribution > 0 ? 'up' : 'down'}${Math.ceil((3 * Math.abs(t.contribution)) / strongest)}` }));
    expect(marks).toEqual(expectedMarks);
    expect(marks.length).toBeGreaterThan(0);
    const towards = [...positive.tokens!].sort((a, b) => b.contribution - a.contribution).filter((t) => t.contribution > 0).slice(0, 3);
    expect(await page.locator(`${WIDGET} .drivers`).textContent()).toMatch(new RegExp(`^For positive: ${towards.map((t) => t.token).join(', ')}\\.`));
    const bar = (await page.locator(`${WIDGET} .bar`).boundingBox())!;
    await expect.poll(async () => (await page.locator(`${WIDGET} .fill`).boundingBox())!.width / bar.width).toBeCloseTo(positive.score, 1);
    await saveScreenshot(page, 'widget-host-page');

    await page.keyboard.press('Control+A');
    await page.keyboard.type(NEGATIVE, { delay: 15 });
    const negative = await apiResult(stack, NEGATIVE);
    await expect.poll(() => status.textContent()).toBe(`Sentiment: ${negative.label}, ${(negative.score * 100).toFixed(0)}%`);
    expect(negative.label).not.toBe(positive.label);

    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await expect.poll(() => status.textContent()).toBe('');
    expect(await words.isHidden()).toBe(true);

    const leaked = await page.evaluate((key) => {
      const before = (window as unknown as Record<symbol, string[]>)[Symbol.for(key)];
      return Object.getOwnPropertyNames(window).filter((name) => !before.includes(name));
    }, GLOBALS_BEFORE);
    expect(leaked).toEqual([]);
    expect(seen).toEqual({ errors: [], dialogs: [] });
  });

  it('lets the host page’s own script label its reviews with the client, cross-origin', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    await page.goto(stack.site.hostPageUrl);
    // The reviews as written, without the verdicts the page may have added already.
    const texts = await page.locator('#reviews li').evaluateAll((items) => items.map((item) => item.firstChild!.textContent!));
    const expected = await apiResults(stack, texts);
    await expect.poll(() => page.locator('#reviews-status').textContent()).toBe(`Classified by model ${expected[0].model}.`);
    expect(await page.locator('#reviews li .verdict').allTextContents()).toEqual(
      expected.map((result) => ` (${result.label}, ${(result.score * 100).toFixed(0)}%)`),
    );
    expect(expected.map((result) => result.label)).toEqual(['positive', 'negative']);
    expect(seen).toEqual({ errors: [], dialogs: [] });
  });

  it('shows the label alone when the explanation fails, as on the free plan’s CPU limit', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    const sent: (boolean | string)[] = [];
    // Cloudflare's page carries no CORS headers, so the browser reports a network error to the page.
    await page.route(`${stack.dev.origin}/v1/classify`, (route) => {
      const body = route.request().method() === 'POST' ? (route.request().postDataJSON() as { text?: string; explain?: boolean | string }) : null;
      // The host page's own script classifies its list of reviews too.
      if (body?.text === POSITIVE) sent.push(body.explain ?? false);
      return body?.explain
        ? route.fulfill(CPU_LIMIT_ANSWER)
        : route.continue();
    });
    await page.goto(stack.site.hostPageUrl);
    await page.locator('#review').fill(POSITIVE);

    const positive = await apiResult(stack, POSITIVE);
    const status = page.locator(`${WIDGET} [role="status"]`);
    await expect.poll(() => status.textContent()).toBe(`Sentiment: ${positive.label}, ${(positive.score * 100).toFixed(0)}%`);
    expect(sent).toEqual(['gradient', false]);
    expect(await page.locator(`${WIDGET} .words`).isHidden()).toBe(true);
    // The browser reports the 503 and the blocked answer; the widget itself throws nothing.
    expect(seen.errors.filter((error) => !error.includes('CORS') && !error.startsWith('503 POST'))).toEqual([]);
    expect(seen.errors.some((error) => error.startsWith('503 POST'))).toBe(true);
    expect(seen.dialogs).toEqual([]);
  });

  it('says why when the worker cannot answer', async () => {
    const page = await stack.browser.context.newPage();
    await page.goto(stack.site.hostPageUrl);
    await page.locator('#review').fill('x'.repeat(20_001));
    await expect.poll(() => page.locator(`${WIDGET} [role="status"]`).textContent()).toMatch(
      /^Sentiment unavailable: text is 20001 characters long; MAX_TEXT_CHARS allows 20000/,
    );
  });
});

async function apiResults(stack: BrowserStack, texts: string[], explain: false | 'gradient' = false): Promise<ClassifyResult[]> {
  const response = await stack.dev.fetch('/v1/classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ texts, explain }),
  });
  const { model, results } = (await response.json()) as { model: string; results: ClassifyResult[] };
  return results.map((result) => ({ ...result, model }));
}

async function apiResult(stack: BrowserStack, text: string): Promise<ClassifyResult> {
  // As the example page's widget asks: data-explain="gradient".
  return (await apiResults(stack, [text], 'gradient'))[0];
}
