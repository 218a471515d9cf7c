import type { Classification, ExplainMethod } from '../classifier/types';

export type { Classification, ExplainMethod, LabelScore, TokenContribution } from '../classifier/types';

/** How `classify` reaches the worker and what it asks for. */
export interface ClassifyOptions {
  /**
   * The worker's base URL, e.g. `https://bilstm-edge.example.workers.dev`;
   * `v1/classify` is resolved against it, so a worker mounted under a path
   * (`https://example.com/sentiment/`) works too.
   */
  endpoint: string | URL;
  /** Keep only the k best labels in `scores` (the API's `top_k`). */
  topK?: number;
  /** Leave labels scoring below this out of `scores` (the API's `threshold`). */
  threshold?: number;
  /**
   * Add `tokens`: how much each token moved the top label's score, by
   * `'occlusion'` (or `true`) or by `'gradient'`, the cheap estimate for long
   * texts (the API's `explain`).
   */
  explain?: boolean | ExplainMethod;
  /**
   * The most the whole call may take, retries and their waits included, in
   * milliseconds. Default 10 000. A retry that could not finish in time is
   * not attempted: the last error is thrown at once.
   */
  timeoutMs?: number;
  /** How many times a 429 or 503 answer is retried. Default 2. */
  retries?: number;
  /**
   * The first retry waits about this long (ms), each further one twice as
   * long, with random jitter down to half. Default 250.
   */
  retryDelayMs?: number;
  /**
   * The longest wait before a retry (ms). A `Retry-After` longer than this
   * is not waited for: the error is thrown with its `retryAfterMs`.
   * Default 5 000.
   */
  maxRetryDelayMs?: number;
  /** Cancels the call; it then rejects with the signal's reason, as `fetch` does. */
  signal?: AbortSignal;
  /**
   * The `fetch` to call, e.g. a service binding's `env.CLASSIFIER.fetch` in a
   * Worker. Default: the global `fetch`.
   */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** One text's answer, with the id of the model that gave it. */
export interface ClassifyResult extends Classification {
  /** First 12 hex digits of the model's weights sha256. */
  model: string;
}
