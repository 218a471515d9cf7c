/**
 * The demo page at `/` of a real `wrangler dev`, in headless chromium: the
 * user types a review and sees the label, the score bar and the words that
 * drove the answer, all agreeing with what the API answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifyResult } from 'bilstm-edge/client';
import { CPU_LIMIT_ANSWER, launchChromium, saveScreenshot, skipBrowserTests, watchPage, type Chromium } from '../support/chromium';
import { WRANGLER_STARTUP_TIMEOUT_MS, WranglerDev } from '../support/wrangler-dev';

const REVIEW = 'Not bad at all! The acting is superb, the story is moving, and I loved every minute of it.';

let dev: WranglerDev | undefined;
let browser: Chromium | undefined;

describe.skipIf(skipBrowserTests)('the demo page', () => {
  beforeAll(async () => {
    [dev, browser] = await Promise.all([WranglerDev.start(), launchChromium()]);
  }, WRANGLER_STARTUP_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await Promise.all([browser?.close(), dev?.stop()]);
  });

  it('shows the label, a score bar as wide as the score and the highlighted words, as the API answers', async () => {
    const page = await browser!.context.newPage();
    const seen = watchPage(page);
    await page.goto(dev!.origin);
    await expect.poll(() => page.locator('#model').textContent()).toMatch(/^Model [0-9a-f]{12}: labels negative, positive/);

    await page.locator('#text').fill(REVIEW);
    await page.getByRole('button', { name: 'Classify' }).click();
    await page.locator('#result').waitFor({ state: 'visible' });

    const expected = await apiResult(REVIEW);
    expect(await page.locator('#label').textContent()).toBe(expected.label);
    expect(await page.locator('#score').textContent()).toBe(`${(expected.score * 100).toFixed(1)}%`);
    const bar = (await page.locator('.bar').boundingBox())!;
    // The fill's width animates for 0.2 s.
    const fillShare = async () => (await page.locator('#bar-fill').boundingBox())!.width / bar.width;
    await expect.poll(fillShare, { timeout: 2_000 }).toBeCloseTo(expected.score, 2);

    const marks = page.locator('#tokens mark');
    // The label comes first, the highlighted words with a second request.
    await expect.poll(() => marks.count()).toBe(expected.tokens!.length);
    expect(await marks.allTextContents()).toEqual(expected.tokens!.map((t) => REVIEW.slice(t.start, t.end)));
    expect(await page.locator('#tokens').textContent()).toBe(REVIEW);
    // Colour follows the sign of each word's contribution: green towards the label, red away.
    const colours = await marks.evaluateAll((elements) => elements.map((e) => getComputedStyle(e).backgroundColor));
    colours.forEach((colour, k) => {
      const [red, green] = colour.match(/\d+/g)!.map(Number);
      expect(expected.tokens![k].contribution >= 0 ? green > red : red > green).toBe(true);
    });
    expect(await page.locator('#scores li').allTextContents()).toEqual(
      expected.scores.map((s) => `${s.label}: ${(s.score * 100).toFixed(1)}%`),
    );

    await saveScreenshot(page, 'demo');
    expect(seen).toEqual({ errors: [], dialogs: [] });
  });

  it('still shows the label when the explanation fails, e.g. on the free plan’s CPU limit', async () => {
    const page = await browser!.context.newPage();
    await page.route('**/v1/classify', (route) => (route.request().postDataJSON().explain ? route.fulfill(CPU_LIMIT_ANSWER) : route.continue()));
    await page.goto(dev!.origin);
    await page.locator('#text').fill(REVIEW);
    await page.getByRole('button', { name: 'Classify' }).click();

    await expect.poll(() => page.locator('#error').textContent()).toBe('word highlights unavailable: HTTP 503, not an answer from the API');
    const expected = await apiResult(REVIEW);
    expect(await page.locator('#label').textContent()).toBe(expected.label);
    expect(await page.locator('#score').textContent()).toBe(`${(expected.score * 100).toFixed(1)}%`);
    expect(await page.locator('#tokens mark').count()).toBe(0);
    expect(await page.locator('#tokens').textContent()).toBe(REVIEW);
  });

  it('shows only the latest text’s answers when an earlier one answers last', async () => {
    const page = await browser!.context.newPage();
    const earlier = 'An awful, boring film.';
    // The earlier text's explanation arrives after everything about the later one.
    await page.route('**/v1/classify', async (route) => {
      const body = route.request().postDataJSON() as { text: string; explain?: boolean | string };
      if (body.text === earlier && body.explain) await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await page.goto(dev!.origin);
    await page.locator('#text').fill(earlier);
    await page.getByRole('button', { name: 'Classify' }).click();
    await expect.poll(() => page.locator('#label').textContent()).toBe((await apiResult(earlier)).label);
    await page.locator('#text').fill(REVIEW);
    await page.getByRole('button', { name: 'Classify' }).click();

    const expected = await apiResult(REVIEW);
    const marks = page.locator('#tokens mark');
    await expect.poll(() => marks.count()).toBe(expected.tokens!.length);
    // Past the earlier explanation's arrival.
    await page.waitForTimeout(1_500);
    expect(await page.locator('#label').textContent()).toBe(expected.label);
    expect(await page.locator('#tokens').textContent()).toBe(REVIEW);
    expect(await marks.allTextContents()).toEqual(expected.tokens!.map((t) => REVIEW.slice(t.start, t.end)));
  });

  it('shows the API’s error message for an empty text', async () => {
    const page = await browser!.context.newPage();
    await page.goto(dev!.origin);
    await page.locator('#text').fill('   ');
    // The textarea is `required`, so the button would not submit; the submit event itself still reaches the script.
    await page.locator('#form').dispatchEvent('submit');
    await expect.poll(() => page.locator('#error').textContent()).toMatch(/^empty_text: text is empty/);
    expect(await page.locator('#error').isVisible()).toBe(true);
  });
});

async function apiResult(text: string): Promise<ClassifyResult> {
  const response = await dev!.fetch('/v1/classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    // As the page asks for its highlights.
    body: JSON.stringify({ text, explain: 'gradient' }),
  });
  const { model, results } = (await response.json()) as { model: string; results: ClassifyResult[] };
  return { ...results[0], model };
}
