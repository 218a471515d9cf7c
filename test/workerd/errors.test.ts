import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS } from '../../worker/limits';
import { classify, errorOf, json, request, requestWithEnv } from './helpers';

describe('POST /v1/classify rejects bad requests before touching the model', () => {
  it('answers 415 for a body that is not declared as JSON', async () => {
    const plain = await errorOf(await request('/v1/classify', { method: 'POST', body: '{"text":"hi"}', headers: { 'Content-Type': 'text/plain' } }));
    expect(plain).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(plain.message).toContain('text/plain');
    const missing = await errorOf(await request('/v1/classify', { method: 'POST', body: new Uint8Array([123, 125]) }));
    expect(missing).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('accepts application/json with a charset parameter', async () => {
    const response = await request('/v1/classify', json({ texts: [] }, { 'Content-Type': 'Application/JSON; charset=utf-8' }));
    // Got past the content-type check to the schema.
    expect(await errorOf(response)).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('answers 400 invalid_json for malformed JSON, an empty body and bytes that are not UTF-8', async () => {
    const init = (body: BodyInit) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const malformed = await errorOf(await request('/v1/classify', init('{"text": "unterminated')));
    expect(malformed).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(malformed.message).toMatch(/not valid JSON/);
    expect(await errorOf(await request('/v1/classify', init('')))).toMatchObject({ status: 400, code: 'invalid_json' });
    const latin1 = new Uint8Array([...new TextEncoder().encode('{"text":"caf'), 0xe9, ...new TextEncoder().encode('"}')]);
    const notUtf8 = await errorOf(await request('/v1/classify', init(latin1)));
    expect(notUtf8).toEqual({ status: 400, code: 'invalid_json', message: 'the body is not valid UTF-8' });
  });

  it.each([
    [[1, 2], 'the body must be a JSON object such as {"text": "..."}'],
    ['just a string', 'the body must be a JSON object such as {"text": "..."}'],
    [{}, 'give "text" (a string) or "texts" (an array of strings)'],
    [{ text: 'a', texts: ['b'] }, 'give either "text" or "texts", not both'],
    [{ text: 42 }, 'text: Invalid input: expected string, received number'],
    [{ texts: 'not an array' }, 'texts: Invalid input: expected array, received string'],
    [{ texts: [] }, 'texts: Too small: expected array to have >=1 items'],
    [{ texts: ['fine', 7] }, 'texts[1]: Invalid input: expected string, received number'],
    [{ text: 'a', top_k: 0 }, 'top_k: Too small: expected number to be >=1'],
    [{ text: 'a', top_k: 1.5 }, 'top_k: Invalid input: expected int, received number'],
    [{ text: 'a', threshold: 1.5 }, 'threshold: Too big: expected number to be <=1'],
    [{ text: 'a', explain: 'yes' }, 'explain: Invalid input: expected true, false, "occlusion" or "gradient"'],
    [{ text: 'a', explain: 'Gradient' }, 'explain: Invalid input: expected true, false, "occlusion" or "gradient"'],
    [{ text: 'a', topK: 1 }, 'topK: unknown field; known: text or texts, top_k, threshold, explain'],
  ])('answers 400 invalid_request naming the field for %j', async (body, message) => {
    expect(await errorOf(await classify(body))).toEqual({ status: 400, code: 'invalid_request', message });
  });

  it('answers 400 invalid_request, not 500, for a text that is an object with a length key (found by fuzzing)', async () => {
    for (const body of ['{"text":{"length":{"toString":""}}}', '{"texts":{"length":{"toString":0}}}']) {
      const answer = await request('/v1/classify', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      expect(await errorOf(answer)).toMatchObject({ status: 400, code: 'invalid_request' });
    }
  });

  it('answers 400 empty_text for a text that is empty or only whitespace, naming which', async () => {
    expect(await errorOf(await classify({ text: '' }))).toEqual({
      status: 400,
      code: 'empty_text',
      message: 'text is empty; send at least one character that is not whitespace',
    });
    const batch = await errorOf(await classify({ texts: ['fine', ' \n\t '] }));
    expect(batch).toMatchObject({ status: 400, code: 'empty_text' });
    expect(batch.message).toMatch(/^texts\[1\] is empty/);
  });

  it('answers 413 too_many_texts with the limit, from the default and from the MAX_TEXTS var', async () => {
    const texts = Array.from({ length: DEFAULT_LIMITS.maxTexts + 1 }, (_, i) => `text ${i}`);
    expect(await errorOf(await classify({ texts }))).toEqual({
      status: 413,
      code: 'too_many_texts',
      message: `texts holds ${texts.length} texts; MAX_TEXTS allows ${DEFAULT_LIMITS.maxTexts}`,
    });
    const configured = await errorOf(await requestWithEnv({ MAX_TEXTS: '2' }, '/v1/classify', json({ texts: ['a', 'b', 'c'] })));
    expect(configured).toEqual({ status: 413, code: 'too_many_texts', message: 'texts holds 3 texts; MAX_TEXTS allows 2' });
  });

  it('answers 413 text_too_long with the limit, from the default and from the MAX_TEXT_CHARS var', async () => {
    const long = 'a'.repeat(DEFAULT_LIMITS.maxTextChars + 1);
    expect(await errorOf(await classify({ text: long }))).toEqual({
      status: 413,
      code: 'text_too_long',
      message: `text is ${long.length} characters long; MAX_TEXT_CHARS allows ${DEFAULT_LIMITS.maxTextChars}`,
    });
    const configured = await errorOf(
      await requestWithEnv({ MAX_TEXT_CHARS: 10 }, '/v1/classify', json({ texts: ['short', 'eleven char'] })),
    );
    expect(configured).toEqual({
      status: 413,
      code: 'text_too_long',
      message: 'texts[1] is 11 characters long; MAX_TEXT_CHARS allows 10',
    });
  });

  it('answers 413 payload_too_large from Content-Length alone, without reading the body', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const response = await requestWithEnv({ MAX_BODY_BYTES: 4096 }, '/v1/classify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '5000' },
      body,
      // @ts-expect-error workerd needs no `duplex`, the DOM typings do
      duplex: 'half',
    });
    expect(await errorOf(response)).toEqual({
      status: 413,
      code: 'payload_too_large',
      message: 'the body exceeds MAX_BODY_BYTES = 4096 bytes',
    });
    // A stream pulls ahead a little on its own; it was not drained to 5000 bytes.
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('answers 413 payload_too_large for a chunked body as soon as the count passes the limit', async () => {
    let sent = 0;
    // Endless: if the worker read the body whole, this test would never end.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1000;
        controller.enqueue(new TextEncoder().encode(' '.repeat(1000)));
      },
    });
    const response = await requestWithEnv({ MAX_BODY_BYTES: 10_000 }, '/v1/classify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: endless,
      // @ts-expect-error workerd needs no `duplex`, the DOM typings do
      duplex: 'half',
    });
    expect(await errorOf(response)).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(sent).toBeLessThanOrEqual(12_000);
  });

  it('answers 413 for a body over the default limit sent through the real fetch path', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(DEFAULT_LIMITS.maxBodyBytes) });
    const response = await request('/v1/classify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(await errorOf(response)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });
});

describe('routing errors', () => {
  it('answers 404 not_found as JSON for an unknown path', async () => {
    const notFound = await errorOf(await request('/v2/classify'));
    expect(notFound).toEqual({ status: 404, code: 'not_found', message: 'no route for GET /v2/classify; see /openapi.json' });
  });

  it.each([
    ['GET', '/v1/classify', 'POST'],
    ['PUT', '/v1/classify', 'POST'],
    ['DELETE', '/v1/model', 'GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['POST', '/', 'GET, HEAD'],
  ])('answers 405 with Allow for %s %s', async (method, path, allow) => {
    const response = await request(path, { method });
    expect(response.headers.get('allow')).toBe(allow);
    const error = await errorOf(response);
    expect(error).toMatchObject({ status: 405, code: 'method_not_allowed' });
    expect(error.message).toBe(`${method} is not allowed on ${path}; use ${allow.split(', ').join(' or ')}`);
  });
});

describe('internal errors', () => {
  it('logs the cause and answers 500 without it when a var is misconfigured', async () => {
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
    try {
      const response = await requestWithEnv({ MAX_TEXTS: 'many' }, '/v1/classify', json({ text: 'fine' }));
      const text = await response.clone().text();
      expect(await errorOf(response)).toEqual({
        status: 500,
        code: 'internal_error',
        message: 'internal error; the cause has been logged',
      });
      expect(text).not.toMatch(/MAX_TEXTS|at .*\.ts|Error:/);
      expect(String(logged.flat().find((arg) => arg instanceof Error))).toContain(
        'wrangler var MAX_TEXTS must be a positive integer, got "many"',
      );
    } finally {
      spy.mockRestore();
    }
  });
});
