/**
 * Text that would run script if it ever reached the page as HTML, typed
 * into the demo page and the widget, in headless chromium. It must come
 * back as the same characters, as text: no element made from it, no
 * dialog, no sentinel set. The widget's page is served here without its
 * CSP, so that only the widget's own code stands between the text and its
 * execution; a control shows the same text does run when injected as HTML.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserStack } from '../support/browser-stack';
import { saveScreenshot, skipBrowserTests, watchPage } from '../support/chromium';
import { NO_CSP_PREFIX } from '../support/example-site';

const HOSTILE =
  'What a film <script>window.__hostile = "script"; alert("script")</script> loved it ' +
  '<img src=x onerror="window.__hostile = \'img\'; alert(\'img\')"> <svg onload="alert(\'svg\')"></svg> &lt;b&gt;';
const WIDGET = '[data-bilstm-edge-widget]';

describe.skipIf(skipBrowserTests)('a hostile input', () => {
  const stack = useBrowserStack();

  it('runs when injected as HTML into the CSP-less host page (the control: the checks below can see it)', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    await page.goto(`${stack.site.server.origin}${NO_CSP_PREFIX}host-page/`);
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), HOSTILE);
    await expect.poll(() => seen.dialogs).toContain('img');
    expect(await sentinel(page)).toBe('img');
    expect(await elementsMadeFrom(page, 'body')).toBeGreaterThan(0);
  });

  it('is shown as text by the widget, and never runs', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    await page.goto(`${stack.site.server.origin}${NO_CSP_PREFIX}host-page/`);
    expect(await page.locator('meta[http-equiv]').count()).toBe(0);
    await page.locator('#review').fill(HOSTILE);
    await expect.poll(() => page.locator(`${WIDGET} [role="status"]`).textContent()).toMatch(/^Sentiment: /);
    expect(await page.locator(`${WIDGET} .words`).textContent()).toBe(HOSTILE);
    expect(await page.locator(`${WIDGET} .words mark`).count()).toBeGreaterThan(0);
    expect(await elementsMadeFrom(page, WIDGET)).toBe(0);
    await saveScreenshot(page, 'hostile-input-widget');
    await page.waitForTimeout(500);
    expect(seen.dialogs).toEqual([]);
    expect(await sentinel(page)).toBeUndefined();
  });

  it('is shown as text by the demo page, and never runs', async () => {
    const page = await stack.browser.context.newPage();
    const seen = watchPage(page);
    await page.goto(stack.dev.origin);
    await page.locator('#text').fill(HOSTILE);
    await page.getByRole('button', { name: 'Classify' }).click();
    await page.locator('#result').waitFor({ state: 'visible' });
    // The label comes first, the highlighted words with a second request.
    await expect.poll(() => page.locator('#tokens mark').count()).toBeGreaterThan(0);
    expect(await page.locator('#tokens').textContent()).toBe(HOSTILE);
    expect(await elementsMadeFrom(page, '#result')).toBe(0);
    await saveScreenshot(page, 'hostile-input-demo');
    await page.waitForTimeout(500);
    expect(seen).toEqual({ errors: [], dialogs: [] });
    expect(await sentinel(page)).toBeUndefined();
  });
});

function sentinel(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as unknown as { __hostile?: unknown }).__hostile);
}

/** `<script>`, `<img>`, `<svg>` and `<b>` elements under `selector`, shadow roots included: all the hostile text could make. */
function elementsMadeFrom(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((root) => {
    const count = (node: Element | ShadowRoot): number =>
      node.querySelectorAll('script, img, svg, b').length +
      Array.from(node.querySelectorAll('*')).reduce((sum, element) => sum + (element.shadowRoot ? count(element.shadowRoot) : 0), 0);
    return count(root) + (root.shadowRoot ? count(root.shadowRoot) : 0);
  });
}
