import type { Bindings } from './bindings';

/** How much one request may ask for. Each is a wrangler var. */
export interface Limits {
  /** `MAX_TEXTS`: texts per request. */
  maxTexts: number;
  /** `MAX_TEXT_CHARS`: UTF-16 code units per text, the unit of the token offsets too. */
  maxTextChars: number;
  /** `MAX_BODY_BYTES`: bytes of the request body, checked before it is read. */
  maxBodyBytes: number;
}

/**
 * 32 texts keep a batch with `explain` within a paid plan's CPU time; 20000
 * characters hold the longest IMDB review (13704); 1 MiB holds 32 such texts
 * even when every character takes 1.6 bytes of UTF-8 or JSON escaping.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxTexts: 32,
  maxTextChars: 20_000,
  maxBodyBytes: 1_048_576,
};

/**
 * The limits set by wrangler vars, each falling back to its default.
 *
 * @throws Error when a var is set but is not a positive integer: a
 *   misconfigured deployment should fail loudly, not serve other limits.
 *
 * @example
 * ```ts
 * limitsFromEnv({ MAX_TEXTS: '8' });
 * // { maxTexts: 8, maxTextChars: 20000, maxBodyBytes: 1048576 }
 * ```
 */
export function limitsFromEnv(env: Bindings): Limits {
  return {
    maxTexts: positiveInteger('MAX_TEXTS', env.MAX_TEXTS, DEFAULT_LIMITS.maxTexts),
    maxTextChars: positiveInteger('MAX_TEXT_CHARS', env.MAX_TEXT_CHARS, DEFAULT_LIMITS.maxTextChars),
    maxBodyBytes: positiveInteger('MAX_BODY_BYTES', env.MAX_BODY_BYTES, DEFAULT_LIMITS.maxBodyBytes),
  };
}

function positiveInteger(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`wrangler var ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
