import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { BilstmEdgeError, classify } from '../../shared/client';
import { ORIGIN } from './helpers';

/** The worker itself, reached as a service binding would reach it. */
const fetchWorker = (url: string, init: RequestInit) => exports.default.fetch(new Request(url, init));

describe('bilstm-edge/client inside workerd', () => {
  it('classifies through a service-binding-style fetch', async () => {
    const results = await classify(['Loved it, a wonderful film.', 'Awful, boring and stupid.'], {
      endpoint: ORIGIN,
      fetch: fetchWorker,
      topK: 1,
    });
    expect(results.map((r) => r.label)).toEqual(['positive', 'negative']);
    expect(results[0].model).toMatch(/^[0-9a-f]{12}$/);
  });

  it('raises the worker’s errors as BilstmEdgeError, and times out with workerd’s timers', async () => {
    const error = await classify(' ', { endpoint: ORIGIN, fetch: fetchWorker }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BilstmEdgeError);
    expect(error).toMatchObject({ code: 'empty_text', status: 400 });
    const never = () => new Promise<Response>(() => {});
    await expect(classify('ok', { endpoint: ORIGIN, fetch: never, timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
  });
});
