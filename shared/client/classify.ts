import { BilstmEdgeError, type BilstmEdgeErrorCode } from './errors';
import { parseRetryAfter, retryDelay } from './retry-delay';
import type { Classification, ClassifyOptions, ClassifyResult } from './types';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 250;
const DEFAULT_MAX_RETRY_DELAY_MS = 5_000;
/** Busy or briefly down: the same request may well succeed later. */
const RETRYABLE_STATUSES = new Set([429, 503]);

/** The options with their defaults filled in. */
type Settings = Required<Omit<ClassifyOptions, 'endpoint' | 'topK' | 'threshold' | 'explain' | 'signal'>> &
  Pick<ClassifyOptions, 'signal'>;

interface ClassifyAnswer {
  model: string;
  results: Classification[];
}

/**
 * Classifies one text, or several in one request, with the worker at
 * `options.endpoint`. Runs in browsers, Node 18+ and Workers: it needs only
 * `fetch`, `AbortController` and timers.
 *
 * 429 and 503 answers are retried (`retries` times, exponential backoff with
 * jitter, at least the server's `Retry-After`), all within `timeoutMs`.
 *
 * @throws BilstmEdgeError with the server's `code`, `status` and `message`
 *   (e.g. 400 `empty_text`, 413 `text_too_long`), or a client-side code:
 *   `timeout`, `network_error`, `http_error`, `invalid_response`
 * @throws the reason of `options.signal` when it aborts the call
 * @throws TypeError / RangeError for an unusable endpoint or option
 *
 * @example
 * ```ts
 * import { classify } from 'bilstm-edge/client';
 *
 * const endpoint = 'https://bilstm-edge.example.workers.dev';
 * const { label, score } = await classify('A moving, beautifully acted film.', { endpoint });
 * // label 'positive', score 0.93
 * const results = await classify(['Loved it.', 'A waste of two hours.'], { endpoint, topK: 1, timeoutMs: 3_000 });
 * // results.map((r) => r.label): ['positive', 'negative']
 * ```
 */
export function classify(text: string, options: ClassifyOptions): Promise<ClassifyResult>;
export function classify(texts: readonly string[], options: ClassifyOptions): Promise<ClassifyResult[]>;
export async function classify(
  input: string | readonly string[],
  options: ClassifyOptions,
): Promise<ClassifyResult | ClassifyResult[]> {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new TypeError('classify: pass a text (string) or texts (array of strings)');
  }
  const url = classifyUrl(options.endpoint);
  const settings = settingsOf(options);
  const body = JSON.stringify({
    ...(typeof input === 'string' ? { text: input } : { texts: input }),
    top_k: options.topK,
    threshold: options.threshold,
    explain: options.explain,
  });
  const expected = typeof input === 'string' ? 1 : input.length;
  const { model, results } = await send(url, body, expected, settings);
  const withModel = results.map((result) => ({ ...result, model }));
  return typeof input === 'string' ? withModel[0] : withModel;
}

function classifyUrl(endpoint: string | URL): string {
  let base: URL;
  try {
    base = new URL(String(endpoint));
  } catch {
    throw new TypeError(`classify: endpoint must be an absolute URL such as https://bilstm-edge.example.workers.dev, got ${JSON.stringify(String(endpoint))}`);
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL('v1/classify', base).href;
}

function settingsOf(options: ClassifyOptions): Settings {
  const settings = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries: options.retries ?? DEFAULT_RETRIES,
    retryDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
    fetch: options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init)),
    signal: options.signal,
  };
  if (!(settings.timeoutMs > 0 && settings.timeoutMs <= 2 ** 31 - 1)) {
    throw new RangeError(`classify: timeoutMs must be a positive number of milliseconds, got ${settings.timeoutMs}`);
  }
  if (!(Number.isInteger(settings.retries) && settings.retries >= 0)) {
    throw new RangeError(`classify: retries must be a whole number ≥ 0, got ${settings.retries}`);
  }
  for (const name of ['retryDelayMs', 'maxRetryDelayMs'] as const) {
    if (!(settings[name] >= 0 && Number.isFinite(settings[name]))) {
      throw new RangeError(`classify: ${name} must be a number of milliseconds ≥ 0, got ${settings[name]}`);
    }
  }
  return settings;
}

/** POSTs until an answer that is not retried, within one deadline for every attempt and wait. */
async function send(url: string, body: string, expected: number, settings: Settings): Promise<ClassifyAnswer> {
  const { signal: callerSignal } = settings;
  callerSignal?.throwIfAborted();
  const controller = new AbortController();
  const deadline = Date.now() + settings.timeoutMs;
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  const forwardAbort = () => controller.abort();
  callerSignal?.addEventListener('abort', forwardAbort, { once: true });
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      // Raced as well as signalled: a given `fetch` may ignore the signal.
      const response = await untilAborted(
        settings.fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: controller.signal }),
        controller.signal,
      );
      const text = await untilAborted(response.text(), controller.signal);
      if (response.ok) return parseAnswer(text, expected, response.status, attempts);
      const error = errorFromAnswer(response, text, attempts);
      const delay =
        RETRYABLE_STATUSES.has(response.status) && attempts <= settings.retries
          ? retryDelay({
              retry: attempts - 1,
              retryDelayMs: settings.retryDelayMs,
              maxRetryDelayMs: settings.maxRetryDelayMs,
              retryAfterMs: error.retryAfterMs,
              random: Math.random,
            })
          : undefined;
      if (delay === undefined || Date.now() + delay >= deadline) throw error;
      await sleep(delay, controller.signal);
    }
  } catch (error) {
    if (error instanceof BilstmEdgeError) throw error;
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (controller.signal.aborted) {
      throw new BilstmEdgeError('timeout', `no answer from ${url} within ${settings.timeoutMs} ms`, { attempts });
    }
    throw new BilstmEdgeError('network_error', `could not reach ${url}: ${messageOf(error)}`, { attempts, cause: error });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', forwardAbort);
  }
}

function parseAnswer(text: string, expected: number, status: number, attempts: number): ClassifyAnswer {
  const answer = parseJson(text) as Partial<ClassifyAnswer> | undefined;
  const valid =
    typeof answer?.model === 'string' &&
    Array.isArray(answer.results) &&
    answer.results.length === expected &&
    answer.results.every((result) => typeof result?.label === 'string' && typeof result.score === 'number');
  if (!valid) {
    throw new BilstmEdgeError('invalid_response', `the answer is not a classification of ${expected} text(s): ${text.slice(0, 200)}`, {
      status,
      attempts,
    });
  }
  return answer as ClassifyAnswer;
}

/** The server's `{error: {code, message}}`, or `http_error` for an answer without one (a proxy's page). */
function errorFromAnswer(response: Response, text: string, attempts: number): BilstmEdgeError {
  const details = { status: response.status, attempts, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
  const error = (parseJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    return new BilstmEdgeError(error.code as BilstmEdgeErrorCode, error.message, details);
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new BilstmEdgeError('http_error', `HTTP ${response.status}${statusText} from ${response.url || 'the worker'}`, details);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  // Assigned at once: a promise's executor runs synchronously.
  let timer!: ReturnType<typeof setTimeout>;
  const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return untilAborted(slept, signal).finally(() => clearTimeout(timer));
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
