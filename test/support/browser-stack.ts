import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type Chromium } from './chromium';
import { startExampleSite, type ExampleSite } from './example-site';
import { WRANGLER_STARTUP_TIMEOUT_MS, WranglerDev } from './wrangler-dev';

/** What a browser test talks to: the worker, the example site on another origin, and chromium. */
export interface BrowserStack {
  dev: WranglerDev;
  site: ExampleSite;
  browser: Chromium;
}

/**
 * Starts a real `wrangler dev`, the example site on another origin and
 * headless chromium before the calling suite's tests, and stops all three
 * after them. Call it inside a `describe`; read the fields inside tests.
 *
 * @example
 * describe('the widget', () => {
 *   const stack = useBrowserStack();
 *   it('…', async () => { const page = await stack.browser.context.newPage(); });
 * });
 */
export function useBrowserStack(): BrowserStack {
  const stack: Partial<BrowserStack> = {};
  beforeAll(async () => {
    stack.dev = await WranglerDev.start();
    [stack.site, stack.browser] = await Promise.all([
      startExampleSite({ workerOrigin: stack.dev.origin }),
      launchChromium(),
    ]);
  }, WRANGLER_STARTUP_TIMEOUT_MS + 60_000);
  afterAll(async () => {
    await Promise.all([stack.browser?.close(), stack.site?.close(), stack.dev?.stop()]);
  });
  return stack as BrowserStack;
}
