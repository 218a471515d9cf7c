/**
 * The client against a scripted node:http server on 127.0.0.1, for what a
 * real worker does not do on demand: 429 and 503 (with and without
 * Retry-After), silence, broken answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BilstmEdgeError, classify, type ClassifyOptions } from 'bilstm-edge/client';
import { parseRetryAfter, retryDelay } from '../../shared/client/retry-delay';
import { answerJson, ScriptedServer, type Script } from '../support/scripted-server';

const ANSWER = {
  model: '8759d327b99f',
  results: [{ label: 'positive', score: 0.9, scores: [{ label: 'positive', score: 0.9 }, { label: 'negative', score: 0.1 }] }],
};
const UNAVAILABLE = { error: { code: 'model_unavailable', message: 'the model is unavailable: loading' } };

let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: Script): Promise<ClassifyOptions> {
  server = await ScriptedServer.start(script);
  return { endpoint: server.origin };
}

/** The error `promise` rejects with, and how long that took. */
async function failure(promise: Promise<unknown>): Promise<{ error: BilstmEdgeError; ms: number }> {
  const start = performance.now();
  const error = await promise.then(
    () => expect.unreachable('classify resolved'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BilstmEdgeError);
  return { error: error as BilstmEdgeError, ms: performance.now() - start };
}

const gaps = () => server!.requests.slice(1).map((request, k) => request.at - server!.requests[k].at);

describe('retries', () => {
  it('retries 503 with exponential backoff and jitter, resending the same request, then returns the answer', async () => {
    const options = await serve((n, _, res) => (n < 2 ? answerJson(res, 503, UNAVAILABLE) : answerJson(res, 200, ANSWER)));
    const result = await classify('Great film', { ...options, retryDelayMs: 400 });
    expect(result).toEqual({ ...ANSWER.results[0], model: ANSWER.model });
    expect(server!.requests).toHaveLength(3);
    expect(new Set(server!.requests.map((r) => `${r.method} ${r.path} ${r.body}`)).size).toBe(1);
    const [first, second] = gaps();
    // Uniform in [half, all] of 400 ms, then of 800 ms, plus the time a
    // round trip takes (generous: the machine may be busy).
    expect(first).toBeGreaterThanOrEqual(195);
    expect(first).toBeLessThan(400 + 500);
    expect(second).toBeGreaterThanOrEqual(395);
    expect(second).toBeLessThan(800 + 500);
  });

  it("waits at least the server's Retry-After on 429", async () => {
    const options = await serve((n, _, res) =>
      n === 0 ? res.writeHead(429, { 'Retry-After': '1' }).end('Too Many Requests') : answerJson(res, 200, ANSWER),
    );
    await classify('Great film', { ...options, retryDelayMs: 10 });
    expect(gaps()[0]).toBeGreaterThanOrEqual(990);
  });

  it('gives up after `retries`, with the last status and the number of attempts', async () => {
    const options = await serve((_, __, res) => res.writeHead(429, 'Too Many Requests').end('slow down'));
    const { error } = await failure(classify('Great film', { ...options, retries: 2, retryDelayMs: 5 }));
    expect(error).toMatchObject({ code: 'http_error', status: 429, attempts: 3 });
    expect(error.message).toContain('HTTP 429 Too Many Requests');
    expect(server!.requests).toHaveLength(3);
  });

  it('carries the server code of a 503 it gave up on', async () => {
    const options = await serve((_, __, res) => answerJson(res, 503, UNAVAILABLE));
    const { error } = await failure(classify('Great film', { ...options, retries: 1, retryDelayMs: 5 }));
    expect(error).toMatchObject({ code: 'model_unavailable', status: 503, attempts: 2, message: UNAVAILABLE.error.message });
  });

  it('never retries other errors', async () => {
    const options = await serve((_, __, res) => answerJson(res, 400, { error: { code: 'empty_text', message: 'text is empty' } }));
    const { error } = await failure(classify(' ', options));
    expect(error).toMatchObject({ code: 'empty_text', status: 400, attempts: 1 });
    expect(server!.requests).toHaveLength(1);
  });

  it('fails at once rather than wait for a Retry-After longer than maxRetryDelayMs', async () => {
    const options = await serve((_, __, res) => res.writeHead(503, { 'Retry-After': '60' }).end());
    const { error, ms } = await failure(classify('Great film', { ...options, maxRetryDelayMs: 5_000 }));
    expect(error).toMatchObject({ code: 'http_error', status: 503, attempts: 1, retryAfterMs: 60_000 });
    expect(ms).toBeLessThan(1_000);
  });

  it('fails at once rather than retry past the timeout', async () => {
    const options = await serve((_, __, res) => res.writeHead(503, { 'Retry-After': '2' }).end());
    const { error, ms } = await failure(classify('Great film', { ...options, timeoutMs: 1_000 }));
    expect(error).toMatchObject({ code: 'http_error', status: 503, attempts: 1, retryAfterMs: 2_000 });
    expect(ms).toBeLessThan(900);
  });
});

describe('timeouts and cancellation', () => {
  it('rejects with `timeout` when the server never answers', async () => {
    const options = await serve(() => {});
    const { error, ms } = await failure(classify('Great film', { ...options, timeoutMs: 300 }));
    expect(error).toMatchObject({ code: 'timeout', status: undefined, attempts: 1 });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2_000);
  });

  it('rejects with `timeout` when the answer stalls halfway', async () => {
    const options = await serve((_, __, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"model":'));
    const { error } = await failure(classify('Great film', { ...options, timeoutMs: 300 }));
    expect(error.code).toBe('timeout');
  });

  it('rejects with the reason of the caller’s signal, during a request or a backoff wait', async () => {
    const options = await serve((n, _, res) => (n === 0 ? answerJson(res, 503, UNAVAILABLE) : undefined));
    const reason = new Error('user left the page');
    const controller = new AbortController();
    const call = classify('Great film', { ...options, retryDelayMs: 2_000, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    await expect(call).rejects.toBe(reason);
    expect(server!.requests).toHaveLength(1);
    await expect(classify('Great film', { ...options, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('requests and answers', () => {
  it('posts the options in the API’s names to v1/classify under the endpoint’s path', async () => {
    await serve((_, __, res) => answerJson(res, 200, { model: 'm', results: [ANSWER.results[0], ANSWER.results[0]] }));
    const results = await classify(['a', 'b'], { endpoint: `${server!.origin}/sentiment`, topK: 1, threshold: 0.2, explain: true });
    expect(results.map((r) => r.model)).toEqual(['m', 'm']);
    expect(server!.requests[0]).toMatchObject({ method: 'POST', path: '/sentiment/v1/classify' });
    expect(JSON.parse(server!.requests[0].body)).toEqual({ texts: ['a', 'b'], top_k: 1, threshold: 0.2, explain: true });
  });

  it('uses the fetch it is given (a service binding in a Worker)', async () => {
    const options = await serve((_, __, res) => answerJson(res, 200, ANSWER));
    const called: string[] = [];
    await classify('x', { ...options, fetch: (url, init) => (called.push(url), fetch(url, init)) });
    expect(called).toEqual([`${server!.origin}/v1/classify`]);
  });

  it('rejects a 2xx answer that is not a classification with `invalid_response`', async () => {
    const options = await serve((n, _, res) =>
      n === 0 ? res.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>Welcome</h1>') : answerJson(res, 200, { model: 'm', results: [] }),
    );
    expect((await failure(classify('x', options))).error).toMatchObject({ code: 'invalid_response', status: 200 });
    expect((await failure(classify('x', options))).error.message).toContain('not a classification of 1 text');
  });

  it('rejects with `network_error` when nothing listens', async () => {
    await serve(() => {});
    const endpoint = server!.origin;
    await server!.close();
    server = undefined;
    const { error } = await failure(classify('x', { endpoint }));
    expect(error).toMatchObject({ code: 'network_error', status: undefined, attempts: 1 });
    expect(error.message).toContain(`${endpoint}/v1/classify`);
  });

  it('refuses unusable arguments before sending anything', async () => {
    await expect(classify('x', { endpoint: 'example.com' })).rejects.toThrow(/endpoint must be an absolute URL/);
    const options = await serve((_, __, res) => answerJson(res, 200, ANSWER));
    await expect(classify('x', { ...options, timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(classify('x', { ...options, retries: 1.5 })).rejects.toThrow(/retries must be a whole number/);
    await expect(classify(42 as unknown as string, options)).rejects.toThrow(TypeError);
    expect(server!.requests).toHaveLength(0);
  });
});

describe('retryDelay and parseRetryAfter', () => {
  const base = { retryDelayMs: 100, maxRetryDelayMs: 1_000, retryAfterMs: undefined };

  it('doubles per retry, jittered between half and all, capped', () => {
    expect([0, 1, 2, 3, 4].map((retry) => retryDelay({ ...base, retry, random: () => 0 }))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((retry) => retryDelay({ ...base, retry, random: () => 0.999999 })!.toFixed(0))).toEqual([
      '100', '200', '400', '800', '1000',
    ]);
  });

  it('waits at least Retry-After, and not at all when it is over the cap', () => {
    expect(retryDelay({ ...base, retry: 0, retryAfterMs: 700, random: () => 0.5 })).toBe(700);
    expect(retryDelay({ ...base, retry: 0, retryAfterMs: 1_001, random: () => 0.5 })).toBeUndefined();
  });

  it('reads delay-seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:02 GMT', now)).toBe(2_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
