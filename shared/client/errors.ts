/** The `error.code` values the worker answers with (see worker/README-api.md). */
export type ServerErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'empty_text'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'too_many_texts'
  | 'text_too_long'
  | 'not_found'
  | 'method_not_allowed'
  | 'model_unavailable'
  | 'internal_error';

/**
 * Failures found by the client itself:
 * - `timeout`: `timeoutMs` passed before an answer;
 * - `network_error`: no HTTP answer at all (DNS, refused connection, CORS);
 * - `http_error`: an error status without the API's `{error}` body, e.g. a
 *   proxy's 502 page or a platform 429;
 * - `invalid_response`: a 2xx answer that is not the API's JSON.
 */
export type ClientErrorCode = 'timeout' | 'network_error' | 'http_error' | 'invalid_response';

export type BilstmEdgeErrorCode = ServerErrorCode | ClientErrorCode;

export interface BilstmEdgeErrorDetails {
  /** The HTTP status, when the server answered. */
  status?: number;
  /** How many requests were sent, retries included. */
  attempts: number;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Why `classify` failed: the server's own `code` and `message` when it
 * answered with one, else a client-side code.
 *
 * @example
 * ```ts
 * try {
 *   await classify('', { endpoint });
 * } catch (error) {
 *   if (error instanceof BilstmEdgeError && error.code === 'empty_text') {
 *     console.log(error.status, error.message); // 400 'text is empty; send at least one character that is not whitespace'
 *   }
 * }
 * ```
 */
export class BilstmEdgeError extends Error {
  override readonly name = 'BilstmEdgeError';
  readonly status: number | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: BilstmEdgeErrorCode,
    message: string,
    details: BilstmEdgeErrorDetails,
  ) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}
