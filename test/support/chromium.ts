import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's `chromium` package; `.ci/run` installs it. Never a browser download. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const SCREENSHOTS_DIR = new URL('../../test-results/screenshots/', import.meta.url).pathname;

/**
 * Why the browser tests cannot run here, or `undefined` when they can. They
 * skip only on a developer machine without chromium; in CI a missing
 * chromium fails them, since `.ci/run` should have installed it.
 */
export const skipBrowserTests: string | undefined =
  existsSync(CHROMIUM_PATH) || process.env.CI
    ? undefined
    : `skipped: no ${CHROMIUM_PATH}; install Debian's chromium package (apt-get install chromium) to run the browser tests`;

if (skipBrowserTests) console.warn(skipBrowserTests);

/** A headless chromium with a fresh profile, and its cleanup. */
export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless chromium with a fresh profile in a temp folder, offline
 * except for what a test serves itself (no background, component or sync
 * traffic, no QUIC).
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 * await page.goto(dev.origin);
 * await browser.close();
 * ```
 */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'bilstm-edge-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 900, height: 700 },
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Records what a page does that a test must see: uncaught errors, console
 * errors (CSP violations among them), failed requests, and dialogs
 * (`alert` from injected script), each dialog dismissed. The favicon, which
 * browsers ask for on their own, is left out.
 */
export function watchPage(page: Page): { errors: string[]; dialogs: string[] } {
  const seen = { errors: [] as string[], dialogs: [] as string[] };
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    // A failed request is logged without its URL; the response handler names it.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) seen.errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && new URL(response.url()).pathname !== '/favicon.ico') {
      seen.errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return seen;
}

/**
 * What Cloudflare answers in front of a worker that ran out of CPU time: its
 * own HTML page, not the API's JSON, and without CORS headers.
 */
export const CPU_LIMIT_ANSWER = {
  status: 503,
  contentType: 'text/html',
  body: '<!DOCTYPE html><title>Worker exceeded resource limits</title><p>Error 1102</p>',
};

/** Saves a screenshot as a test artifact in `test-results/screenshots/<name>.png`. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
