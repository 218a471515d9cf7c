/**
 * The client against the real worker (`wrangler dev`): what it returns is
 * what the API answered, and the API's errors arrive as typed errors with
 * the server's code, status and message.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { BilstmEdgeError, classify, type ClassifyResult, type ServerErrorCode } from 'bilstm-edge/client';
import type { ApiErrorCode } from '../../worker/api-error';
import { freePort } from '../support/free-port';
import { WRANGLER_STARTUP_TIMEOUT_MS, WranglerDev } from '../support/wrangler-dev';

const POSITIVE = 'One of the best films I have seen in years. The acting is superb and I loved every minute of it.';
const NEGATIVE = 'A dull, tedious mess. The plot is stupid and the dialogue is awful. A complete waste of time.';

let dev: WranglerDev | undefined;

beforeAll(async () => {
  dev = await WranglerDev.start();
}, WRANGLER_STARTUP_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await dev?.stop();
});

/** The API's own answer, asked without the client. */
async function apiAnswer(body: unknown): Promise<{ model: string; results: ClassifyResult[] }> {
  const response = await dev!.fetch('/v1/classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}

async function rejection(promise: Promise<unknown>): Promise<BilstmEdgeError> {
  const error = await promise.then(() => expect.unreachable('classify resolved'), (reason: unknown) => reason);
  expect(error).toBeInstanceOf(BilstmEdgeError);
  return error as BilstmEdgeError;
}

describe('classify against wrangler dev', () => {
  it('returns one text’s result, with the model id, exactly as the API answered', async () => {
    const result = await classify(POSITIVE, { endpoint: dev!.origin, explain: true });
    const { model, results } = await apiAnswer({ text: POSITIVE, explain: true });
    expect(result).toEqual({ ...results[0], model });
    expect(result.label).toBe('positive');
    expect(result.tokens!.map((t) => POSITIVE.slice(t.start, t.end).toLowerCase())).toEqual(result.tokens!.map((t) => t.token));
  });

  it('returns several texts’ results in order, with topK applied', async () => {
    const results = await classify([POSITIVE, NEGATIVE], { endpoint: `${dev!.origin}/`, topK: 1 });
    expect(results.map((r) => r.label)).toEqual(['positive', 'negative']);
    expect(results.map((r) => r.scores.length)).toEqual([1, 1]);
    const { results: expected } = await apiAnswer({ texts: [POSITIVE, NEGATIVE], top_k: 1 });
    expect(results.map(({ model: _, ...rest }) => rest)).toEqual(expected);
  });

  it.each([
    { name: 'an empty text', input: '   ', options: {}, status: 400, code: 'empty_text', message: /empty/ },
    { name: 'a text over MAX_TEXT_CHARS', input: 'a'.repeat(20_001), options: {}, status: 413, code: 'text_too_long', message: /MAX_TEXT_CHARS allows 20000/ },
    { name: 'too many texts', input: Array(33).fill('ok'), options: {}, status: 413, code: 'too_many_texts', message: /MAX_TEXTS allows 32/ },
    { name: 'a threshold over 1', input: 'ok', options: { threshold: 2 }, status: 400, code: 'invalid_request', message: /threshold/ },
    { name: 'no texts', input: [], options: {}, status: 400, code: 'invalid_request', message: /texts/ },
  ])('turns $name into BilstmEdgeError $code ($status) with the server’s message, not retried', async ({ input, options, status, code, message }) => {
    const error = await rejection(classify(input as string, { endpoint: dev!.origin, ...options }));
    expect(error).toMatchObject({ name: 'BilstmEdgeError', code, status, attempts: 1 });
    expect(error.message).toMatch(message);
  });

  it('reports a wrong endpoint path as the server’s not_found', async () => {
    const error = await rejection(classify('ok', { endpoint: `${dev!.origin}/api/` }));
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
    expect(error.message).toContain('/api/v1/classify');
  });

  it('reports a worker that is not there as network_error', async () => {
    const error = await rejection(classify('ok', { endpoint: `http://127.0.0.1:${await freePort()}` }));
    expect(error).toMatchObject({ code: 'network_error', status: undefined });
  });

  it('knows every error code the worker can send', () => {
    expectTypeOf<ServerErrorCode>().toEqualTypeOf<ApiErrorCode>();
  });
});
