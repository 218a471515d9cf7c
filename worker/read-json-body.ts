import { ApiError } from './api-error';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The request body parsed as JSON. Run `requireJson()` and `bodyLimit()`
 * first: they decide whether the body may be read at all.
 *
 * @throws ApiError 400 `invalid_json` for bytes that are not UTF-8 or text
 *   that is not JSON, with the parser's reason
 *
 * @example
 * ```ts
 * const body = await readJsonBody(c.req.raw); // {"text":"Great!"} -> { text: 'Great!' }
 * ```
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const bytes = await request.arrayBuffer();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
}
