import type { z } from 'zod';
import type { ExplainMethod } from '../shared/classifier';
import { ApiError } from './api-error';
import type { Limits } from './limits';
import { classifyRequestSchemas } from './schemas';

/** A valid `POST /v1/classify` body, with one text or many alike. */
export interface ClassifyRequest {
  texts: string[];
  topK?: number;
  threshold: number;
  /** How to explain each text, or false for not at all. */
  explain: ExplainMethod | false;
}

/**
 * Checks a parsed JSON body against the request schema and the limits.
 *
 * @throws ApiError naming the first bad field: 413 `too_many_texts` or
 *   `text_too_long` with the limit, 400 `empty_text` for a text without a
 *   non-whitespace character, 400 `invalid_request` for anything else
 *
 * @example
 * ```ts
 * parseClassifyRequest({ text: 'Great film', top_k: 1 }, DEFAULT_LIMITS);
 * // { texts: ['Great film'], topK: 1, threshold: 0, explain: false }
 * parseClassifyRequest({ text: 'Great film', explain: true }, DEFAULT_LIMITS);
 * // { texts: ['Great film'], topK: undefined, threshold: 0, explain: 'occlusion' }
 * parseClassifyRequest({ texts: [''] }, DEFAULT_LIMITS);
 * // throws ApiError 400 empty_text: texts[0] is empty; send at least one character that is not whitespace
 * ```
 */
export function parseClassifyRequest(body: unknown, limits: Limits): ClassifyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_request', 'the body must be a JSON object such as {"text": "..."}');
  }
  const hasText = 'text' in body;
  const hasTexts = 'texts' in body;
  if (hasText === hasTexts) {
    const problem = hasText ? 'give either "text" or "texts", not both' : 'give "text" (a string) or "texts" (an array of strings)';
    throw new ApiError(400, 'invalid_request', problem);
  }
  const { one, many } = classifyRequestSchemas(limits);
  const result = hasTexts ? many.safeParse(body) : one.safeParse(body);
  if (!result.success) throw issueToApiError(result.error.issues[0]);
  const { top_k: topK, threshold = 0, explain = false } = result.data;
  const texts = 'texts' in result.data ? result.data.texts : [result.data.text];
  return { texts, topK, threshold, explain: explain === true ? 'occlusion' : explain };
}

function issueToApiError(issue: z.core.$ZodIssue): ApiError {
  if (issue.code === 'unrecognized_keys') {
    const field = formatPath([...issue.path, issue.keys[0]]);
    return new ApiError(400, 'invalid_request', `${field}: unknown field; known: text or texts, top_k, threshold, explain`);
  }
  const field = formatPath(issue.path);
  const message = `${field} ${issue.message}`;
  if (issue.code === 'too_big' && issue.origin === 'array') return new ApiError(413, 'too_many_texts', message);
  if (issue.code === 'too_big' && issue.origin === 'string') return new ApiError(413, 'text_too_long', message);
  if (issue.code === 'invalid_format' && issue.format === 'regex') return new ApiError(400, 'empty_text', message);
  return new ApiError(400, 'invalid_request', `${field}: ${issue.message}`);
}

/** `['texts', 2]` -> `texts[2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`)).join('');
}
