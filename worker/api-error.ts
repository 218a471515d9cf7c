import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every `error.code` the API answers with; `worker/README-api.md` says when each happens. */
export const API_ERROR_CODES = [
  'invalid_json',
  'invalid_request',
  'empty_text',
  'unsupported_media_type',
  'payload_too_large',
  'too_many_texts',
  'text_too_long',
  'not_found',
  'method_not_allowed',
  'model_unavailable',
  'internal_error',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string };
}

/**
 * An error meant for the client: its status, code and message are answered
 * as they are. Anything else thrown becomes a logged 500 `internal_error`.
 *
 * @example
 * ```ts
 * throw new ApiError(415, 'unsupported_media_type', 'send Content-Type: application/json');
 * // 415 {"error":{"code":"unsupported_media_type","message":"send Content-Type: application/json"}}
 * ```
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }

  get body(): ErrorBody {
    return errorBody(this.code, this.message);
  }
}

/** `{"error": {"code", "message"}}`. */
export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
