/**
 * The HTTP API inside workerd on generated requests: odd JSON, wrong types,
 * `NaN` and `Infinity` as raw text, `__proto__` keys, duplicate fields,
 * deep nesting, huge strings, random bytes and content types. Every answer
 * is one the OpenAPI document promises and never a 5xx; the limits hold;
 * nothing leaks into prototypes or tensors.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../../worker/limits';
import { fuzz } from '../support/fuzz';
import { classifyishText, damaged, deeplyNestedText, jsonishText } from '../support/json-arbitraries';
import { anyText } from '../support/text-arbitraries';
import { documentedAnswer } from './answers';
import { ORIGIN, requestWithEnv } from './helpers';
import { requestValidator, type OpenApiDocument } from './openapi-schema';

let document: OpenApiDocument;
let classifyRequest: z.ZodType;

/**
 * The worker's own `fetch`, inside workerd, with the test env. Not the pool's
 * `exports.default.fetch`: each call through it makes the next slower (about
 * 0.5 ms more per call, measured here), which thousands of cases cannot afford.
 * The real HTTP stack is exercised by test/e2e and `npm run loadtest`.
 */
const send = (path: string, init?: RequestInit) => requestWithEnv({}, path, init);

beforeAll(async () => {
  document = await (await send('/openapi.json')).json();
  classifyRequest = requestValidator(document, 'POST', '/v1/classify');
  // Load the model once, outside the time budgets.
  expect((await send('/healthz')).status).toBe(200);
});

const utf8 = new TextEncoder();
// As the worker reads bodies: UTF-8, a leading BOM dropped.
const bodyText = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);

/** POST /v1/classify with these bytes, checked against the document. */
async function postClassify(body: Uint8Array | string, contentType = 'application/json') {
  const init = { method: 'POST', headers: { 'Content-Type': contentType }, body };
  return documentedAnswer(document, new Request(`${ORIGIN}/v1/classify`, init), await send('/v1/classify', init));
}

/**
 * What the document says the answer to these body bytes must be: 413 over
 * the body limit, 400 `invalid_json` for text that is not JSON, 200 for a
 * body the request schema accepts, and a 400 or 413 naming the problem for
 * any other.
 */
function expectedClassifyAnswer(bytes: Uint8Array): { status: number[]; code?: string[]; texts?: number } {
  if (bytes.byteLength > DEFAULT_LIMITS.maxBodyBytes) return { status: [413], code: ['payload_too_large'] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(bytes));
  } catch {
    return { status: [400], code: ['invalid_json'] };
  }
  let accepted: boolean;
  try {
    accepted = classifyRequest.safeParse(parsed).success;
  } catch {
    // zod's own maxLength check throws on a wrong-typed value with a `length` key
    // (`{"text": {"length": {"toString": ""}}}`): such a body is no request either.
    accepted = false;
  }
  if (!accepted) return { status: [400, 413], code: ['invalid_request', 'empty_text', 'too_many_texts', 'text_too_long'] };
  const body = parsed as { text?: string; texts?: string[] };
  const texts = body.texts ?? [body.text!];
  // As the text's description says: `maxLength` counts UTF-16 code units here, code points in JSON Schema.
  if (texts.some((text) => text.length > DEFAULT_LIMITS.maxTextChars)) return { status: [413], code: ['text_too_long'] };
  return { status: [200], texts: texts.length };
}

async function expectClassifyAnswer(body: string | Uint8Array) {
  const bytes = typeof body === 'string' ? utf8.encode(body) : body;
  const answer = await postClassify(bytes);
  const expected = expectedClassifyAnswer(bytes);
  const seen = `${answer.status} ${answer.text.slice(0, 300)} for ${new TextDecoder().decode(bytes.subarray(0, 300))}`;
  expect(expected.status, seen).toContain(answer.status);
  if (expected.code) expect(expected.code, seen).toContain((answer.body as { error: { code: string } }).error.code);
  if (expected.texts !== undefined) expect((answer.body as { results: unknown[] }).results, seen).toHaveLength(expected.texts);
}

/** The names of `Object.prototype` and `Array.prototype`, to notice pollution. */
const prototypeKeys = () => [Object.prototype, Array.prototype].map((proto) => Reflect.ownKeys(proto).map(String).sort().join());

describe('POST /v1/classify under fuzzing', () => {
  let tensorsBefore: number;
  let prototypesBefore: string[];
  beforeAll(async () => {
    tensorsBefore = ((await (await send('/healthz')).json()) as { tensors: number }).tensors;
    prototypesBefore = prototypeKeys();
  });

  it('answers classify-like objects with wrong types, odd keys and duplicates as the request schema says', async () => {
    await fuzz(
      fc.asyncProperty(classifyishText, (body) => expectClassifyAnswer(body)),
      { numRuns: 1500, timeLimitMs: 25_000 },
    );
  });

  it('answers arbitrary JSON-like text, NaN and Infinity included, and damaged JSON, never with a 5xx', async () => {
    await fuzz(
      fc.asyncProperty(fc.oneof(jsonishText, damaged(classifyishText), damaged(jsonishText)), (body) => expectClassifyAnswer(body)),
      { numRuns: 1500, timeLimitMs: 15_000 },
    );
  });

  it('answers deeply nested JSON and bytes that are not UTF-8', async () => {
    await fuzz(
      fc.asyncProperty(fc.oneof(deeplyNestedText.map((text) => utf8.encode(text)), fc.uint8Array({ maxLength: 64 })), (body) =>
        expectClassifyAnswer(body),
      ),
      { numRuns: 150, timeLimitMs: 10_000 },
    );
  });

  it('answers 415 unless the Content-Type is application/json, with any parameters', async () => {
    const mediaType = fc.oneof(
      fc.constantFrom('application/json', 'APPLICATION/JSON', ' application/json ', 'text/plain', 'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x', 'application/json-patch+json', 'application/jsonx', 'text/html', '*/*', ''),
      fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
    );
    const contentType = fc
      .tuple(mediaType, fc.constantFrom('', '; charset=utf-8', ';charset=latin1', '; x="y;z"', ';'))
      .map(([type, parameters]) => type + parameters);
    await fuzz(
      fc.asyncProperty(contentType, async (type) => {
        const answer = await postClassify('{"text":"A good film."}', type);
        // Headers.set trims the value, as HTTP does; Hono then reads the media type before any ';'.
        const sent = new Headers({ 'Content-Type': type }).get('content-type') ?? '';
        const isJson = sent.split(';')[0].trim().toLowerCase() === 'application/json';
        expect(answer.status, `Content-Type ${JSON.stringify(type)}`).toBe(isJson ? 200 : 415);
      }),
      { numRuns: 300, timeLimitMs: 8_000 },
    );
  });

  it('holds every limit: body bytes (declared or streamed), number of texts, characters per text', async () => {
    const limits = fc.record({
      maxBodyBytes: fc.integer({ min: 1, max: 4_000 }),
      maxTexts: fc.integer({ min: 1, max: 6 }),
      maxTextChars: fc.integer({ min: 1, max: 400 }),
    });
    const texts = fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 500 }).map((text) => `x${text}`), { minLength: 1, maxLength: 8 });
    await fuzz(
      fc.asyncProperty(limits, texts, fc.boolean(), async (limit, batch, streamed) => {
        const bytes = utf8.encode(JSON.stringify({ texts: batch }));
        const env = { MAX_BODY_BYTES: limit.maxBodyBytes, MAX_TEXTS: limit.maxTexts, MAX_TEXT_CHARS: limit.maxTextChars };
        const body = streamed ? chunked(bytes) : bytes;
        const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit;
        const response = await requestWithEnv(env, '/v1/classify', init);
        const answer = await documentedAnswer(document, new Request(`${ORIGIN}/v1/classify`, { method: 'POST' }), response);
        const code = (answer.body as { error?: { code: string } }).error?.code;
        const tooLong = batch.some((text) => text.length > limit.maxTextChars);
        const tooMany = batch.length > limit.maxTexts;
        const seen = `${answer.status} ${code} for ${bytes.byteLength} bytes, ${batch.length} texts of ${batch.map((t) => t.length)} under ${JSON.stringify(limit)}`;
        if (bytes.byteLength > limit.maxBodyBytes) expect([answer.status, code], seen).toEqual([413, 'payload_too_large']);
        else if (tooMany || tooLong) {
          expect(answer.status, seen).toBe(413);
          // Which of two broken limits is named first is the schema's order; each must be a real one.
          expect([...(tooMany ? ['too_many_texts'] : []), ...(tooLong ? ['text_too_long'] : [])], seen).toContain(code);
        } else expect(answer.status, seen).toBe(200);
      }),
      { numRuns: 400, timeLimitMs: 15_000 },
    );
  });

  it('counts MAX_TEXT_CHARS in UTF-16 code units, as documented: a character beyond U+FFFF counts twice', async () => {
    const env = { MAX_TEXT_CHARS: 10 };
    const post = (text: string) => requestWithEnv(env, '/v1/classify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }) });
    expect((await post('😀'.repeat(5))).status).toBe(200);
    const refused = await post('😀'.repeat(6)); // 6 code points, 12 code units
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({ error: { code: 'text_too_long', message: 'text is 12 characters long; MAX_TEXT_CHARS allows 10' } });
  });

  it('answers 400, not 500, for a "texts" object whose length cannot become a number (found by fuzzing)', async () => {
    const answer = await postClassify('{"texts":{"length":{"toString":0}}}');
    expect([answer.status, answer.body]).toEqual([
      400,
      { error: { code: 'invalid_request', message: 'texts: Invalid input: expected array, received object' } },
    ]);
  });

  it('leaves Object.prototype and Array.prototype as they were, and leaks no tensor', async () => {
    expect(prototypeKeys()).toEqual(prototypesBefore);
    expect(({} as Record<string, unknown>).text).toBeUndefined();
    const { tensors } = (await (await send('/healthz')).json()) as { tensors: number };
    expect(tensors).toBe(tensorsBefore);
  });
});

/** `bytes` as a stream without a Content-Length, so the limit must be counted while reading. */
function chunked(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, (offset += 500)));
    },
  });
}

describe('every route under fuzzing', () => {
  it('answers any method on any path, with any query and headers, as the document says', async () => {
    const documentedPaths = Object.keys(document.paths);
    const path = fc.oneof(
      fc.constantFrom(...documentedPaths),
      fc.constantFrom(...documentedPaths).map((known) => `${known}/`),
      fc.webPath(),
      // Raw: the URL parser percent-encodes what it must, lone surrogates included.
      anyText({ maxPieces: 6 }).map((text) => `/${text.replace(/[?#]/g, '')}`),
      fc.string({ unit: 'binary', maxLength: 12 }).map((text) => `/${encodeURIComponent(text)}`),
      fc.constantFrom('/v1/%6Dodel', '/v1//model', '/%2e%2e/v1/model', '/v1/model%00', '/%', '/%E0%A4%A', '//', '/v1/classify;x'),
    );
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND');
    const headers = fc.dictionary(
      fc.constantFrom('Accept', 'Origin', 'Content-Type', 'Access-Control-Request-Method', 'Accept-Encoding', 'X-Forwarded-For', 'Range'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
    );
    await fuzz(
      fc.asyncProperty(method, path, fc.webQueryParameters(), headers, fc.option(jsonishText), async (verb, target, query, extra, body) => {
        const url = `${ORIGIN}${target}${query === '' ? '' : `?${query}`}`;
        const init: RequestInit = { method: verb, headers: extra, body: verb === 'GET' || verb === 'HEAD' ? null : body };
        await documentedAnswer(document, new Request(url, init), await send(url.slice(ORIGIN.length), init));
      }),
      { numRuns: 1500, timeLimitMs: 15_000 },
    );
  });
});
