export interface RetryDelayOptions {
  /** 0 for the first retry. */
  retry: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** The server's `Retry-After`, in milliseconds. */
  retryAfterMs: number | undefined;
  /** A number in [0, 1), `Math.random` unless a test pins it. */
  random: () => number;
}

/**
 * How long to wait before a retry: exponential backoff with jitter (uniform
 * between half and all of `retryDelayMs · 2^retry`, capped), so that clients
 * turned away together do not return together, and never less than the
 * server's `Retry-After`. `undefined` when the server asks for a longer
 * wait than `maxRetryDelayMs`: better to fail than hang.
 *
 * @example
 * ```ts
 * retryDelay({ retry: 2, retryDelayMs: 250, maxRetryDelayMs: 5_000, retryAfterMs: undefined, random: () => 0.5 }); // 750
 * retryDelay({ retry: 0, retryDelayMs: 250, maxRetryDelayMs: 5_000, retryAfterMs: 2_000, random: () => 0.5 }); // 2000
 * ```
 */
export function retryDelay(options: RetryDelayOptions): number | undefined {
  const { retry, retryDelayMs, maxRetryDelayMs, retryAfterMs, random } = options;
  if (retryAfterMs !== undefined && retryAfterMs > maxRetryDelayMs) return undefined;
  const backoff = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** retry);
  return Math.max(retryAfterMs ?? 0, backoff * (0.5 + 0.5 * random()));
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3); `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter('3'); // 3000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT')); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
