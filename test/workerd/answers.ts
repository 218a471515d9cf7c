import { getPath } from 'hono/utils/url';
import { expect } from 'vitest';
import type { z } from 'zod';
import { answerValidator, componentValidator, type OpenApiDocument } from './openapi-schema';

/** What a client got: status, media type and, for JSON, the parsed body. */
export interface Answer {
  status: number;
  mediaType: string;
  body: unknown;
  text: string;
}

/**
 * Checks that `response` to `request` is an answer the OpenAPI document
 * promises, and returns it: never a 5xx; for a documented operation, a
 * documented status with a body matching its schema; for an unknown path
 * 404, for a known path with another method 405, each an `Error`. Bodies
 * of HEAD answers, 204 preflights and 304 revalidations are empty.
 *
 * @example
 * ```ts
 * const request = new Request(`${ORIGIN}/v1/model`);
 * const answer = await documentedAnswer(document, request, await exports.default.fetch(request.clone()));
 * answer.status; // 200
 * ```
 */
export async function documentedAnswer(document: OpenApiDocument, request: Request, response: Response): Promise<Answer> {
  const what = `${request.method} ${request.url}`;
  const text = await response.text();
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  const answer: Answer = { status: response.status, mediaType, body: undefined, text };
  expect(response.status, `${what} -> ${response.status} ${text.slice(0, 500)}`).toBeLessThan(500);
  // Every answer, HTML or not, forbids content sniffing: a reflected string can only be read as its declared type.
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  if (request.method === 'HEAD' || response.status === 204 || response.status === 304) {
    expect(text, what).toBe('');
    return answer;
  }
  // Routing sees the decoded path, and so does the document.
  const path = getPath(request);
  const operations = document.paths[path];
  const operation = operations?.[request.method.toLowerCase()];
  if (operation !== undefined && response.status < 300) {
    const documented = operation.responses[String(response.status)]?.content ?? {};
    expect(Object.keys(documented), `${what} answered ${mediaType}`).toContain(mediaType);
    if (mediaType !== 'application/json') return answer;
  }
  expect(mediaType, `${what} -> ${response.status} ${text.slice(0, 200)}`).toBe('application/json');
  answer.body = JSON.parse(text);
  if (operation === undefined) expect(response.status, what).toBe(operations === undefined ? 404 : 405);
  const schema =
    operation === undefined
      ? cached(document, 'Error', () => componentValidator(document, 'Error'))
      : cached(document, `${request.method} ${path} ${response.status}`, () => answerValidator(document, request.method, path, response.status));
  const checked = schema.safeParse(answer.body);
  expect(checked.success, `${what} -> ${response.status} ${text.slice(0, 300)}: ${checked.error?.message}`).toBe(true);
  return answer;
}

const validators = new WeakMap<OpenApiDocument, Map<string, z.ZodType>>();

// Building a validator from the document takes milliseconds; fuzzing asks for the same few thousands of times.
function cached(document: OpenApiDocument, key: string, build: () => z.ZodType): z.ZodType {
  let byKey = validators.get(document);
  if (byKey === undefined) validators.set(document, (byKey = new Map()));
  let validator = byKey.get(key);
  if (validator === undefined) byKey.set(key, (validator = build()));
  return validator;
}
