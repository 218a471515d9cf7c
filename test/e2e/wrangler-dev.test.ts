/**
 * The worker as users run it: a real `wrangler dev` (real workerd, which,
 * unlike the vitest pool, forbids run-time code generation), asked over HTTP,
 * its scores compared with the Node inference path on the same model files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { Classifier, type Classification } from '../../shared/classifier';
import { WRANGLER_STARTUP_TIMEOUT_MS, WranglerDev } from '../support/wrangler-dev';

const ROOT = new URL('../../', import.meta.url).pathname;
const MODEL_DIR = join(ROOT, 'worker/model/default');

const POSITIVE =
  'One of the best films I have seen in years. The acting is superb, the story is moving and beautiful, and I loved every minute of it.';
const NEGATIVE =
  'A dull, tedious mess. The plot is stupid, the dialogue is awful and the acting is terrible. A complete waste of time.';

let dev: WranglerDev | undefined;
let reference: Classifier;

beforeAll(async () => {
  const [modelJson, weights] = await Promise.all([
    readFile(join(MODEL_DIR, 'model.json'), 'utf8').then(JSON.parse),
    readFile(join(MODEL_DIR, 'weights.bin')),
  ]);
  await startNodeBackend();
  reference = await Classifier.load(modelJson, new Uint8Array(weights));
  dev = await WranglerDev.start();
}, WRANGLER_STARTUP_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await dev?.stop();
  reference?.dispose();
});

async function classify(body: unknown): Promise<{ model: string; results: Classification[] }> {
  const response = await dev!.fetch('/v1/classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw dev!.failure(`POST /v1/classify answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

describe('wrangler dev', () => {
  it('serves the bundled model', async () => {
    const health = await (await dev!.fetch('/healthz')).json();
    expect(health).toEqual({ status: 'ok', model: reference.info.id, tensors: expect.any(Number) });
  });

  it.each([true, 'gradient'] as const)(
    'classifies a clearly positive and a clearly negative review as Node does, within 1e-5, explained by %s',
    async (explain) => {
      const { model, results } = await classify({ texts: [POSITIVE, NEGATIVE], explain });
      expect(model).toBe(reference.info.id);
      expect(results.map((result) => result.label)).toEqual(['positive', 'negative']);
      const expected = reference.classify([POSITIVE, NEGATIVE], { explain });
      for (const [index, result] of results.entries()) {
        const want = expected[index];
        expect(result.label).toBe(want.label);
        expect(result.scores.map((s) => s.label)).toEqual(want.scores.map((s) => s.label));
        result.scores.forEach((s, k) => expect(Math.abs(s.score - want.scores[k].score)).toBeLessThanOrEqual(1e-5));
        expect(result.tokens!.map(({ token, start, end }) => [token, start, end])).toEqual(
          want.tokens!.map(({ token, start, end }) => [token, start, end]),
        );
        result.tokens!.forEach((t, k) => expect(Math.abs(t.contribution - want.tokens![k].contribution)).toBeLessThanOrEqual(1e-5));
      }
    },
  );

  it('serves the demo page with a script that parses', async () => {
    const page = await dev!.fetch('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await (await dev!.fetch('/demo.js')).text();
    expect(() => new Script(script, { filename: 'demo.js' })).not.toThrow();
  });

  it('answers errors as JSON through the real HTTP stack', async () => {
    const tooLarge = await dev!.fetch('/v1/classify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const wrongMethod = await dev!.fetch('/v1/classify');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });
});
