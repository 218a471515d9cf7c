/** How a `TextVectorizer` is fitted and how long its sequences are. */
export interface VectorizerConfig {
  /**
   * Largest vocabulary size, counting the padding token `''` (id 0) and
   * `'[UNK]'` (id 1), as Keras' `max_tokens` does in `output_mode='int'`.
   * So `maxTokens: 10000` keeps the 9,998 most frequent tokens. At least 2.
   */
  maxTokens: number;
  /** Keras' `output_sequence_length`: sequences are cut (see `truncate`) or zero-padded at the end to this length. */
  sequenceLength: number;
  /** Replace HTML tags such as `<br />` with spaces first. Default `false`, which is what Keras does. */
  stripHtml?: boolean;
  /**
   * Which side of a text longer than `sequenceLength` is cut off. `'end'`
   * (the default) keeps the first tokens, as Keras' `TextVectorization` does;
   * `'start'` keeps the last ones, as Keras' `pad_sequences` does by default
   * (`truncating='pre'`), which keeps the verdict at the end of a long review.
   * Padding is at the end either way.
   */
  truncate?: TruncateSide;
}

/** The values of `VectorizerConfig.truncate`: the side of a long text that is cut off. */
export type TruncateSide = 'end' | 'start';

/** Ids are stored in an Int32Array. */
export const MAX_VOCABULARY_SIZE = 0x7fff_ffff;
/** Guards against configs that would allocate gigabytes per text. */
export const MAX_SEQUENCE_LENGTH = 1 << 20;

/** Every `TruncateSide`, default first, e.g. for a CLI's choices. */
export const TRUNCATE_SIDES: readonly TruncateSide[] = Object.freeze(['end', 'start']);

const KEYS: ReadonlySet<string> = new Set(['maxTokens', 'sequenceLength', 'stripHtml', 'truncate']);

function isTruncateSide(value: unknown): value is TruncateSide {
  return (TRUNCATE_SIDES as readonly unknown[]).includes(value);
}

/** A short, safe rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function integerIn(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Checks a config that may come from outside TypeScript (a saved model, a CLI
 * flag) and fills in the defaults. Unknown keys are rejected so that a typo
 * such as `stripHTML` fails loudly instead of being ignored.
 *
 * @param where names the config in error messages, e.g. `'TextVectorizer.fit config'`
 * @throws TypeError or RangeError naming the bad field
 *
 * @example
 * ```ts
 * resolveVectorizerConfig({ maxTokens: 10000, sequenceLength: 100 }, 'config');
 * // { maxTokens: 10000, sequenceLength: 100, stripHtml: false, truncate: 'end' }
 * ```
 */
export function resolveVectorizerConfig(config: unknown, where: string): Readonly<Required<VectorizerConfig>> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TypeError(`${where} must be an object, got ${describeValue(config)}`);
  }
  const fields = config as Record<string, unknown>;
  const unknownKeys = Object.keys(fields).filter((key) => !KEYS.has(key));
  if (unknownKeys.length > 0) {
    throw new TypeError(`${where} has unknown keys ${unknownKeys.join(', ')}; expected ${[...KEYS].join(', ')}`);
  }
  const stripHtml = fields.stripHtml ?? false;
  if (typeof stripHtml !== 'boolean') {
    throw new TypeError(`${where}.stripHtml must be a boolean, got ${describeValue(stripHtml)}`);
  }
  const truncate = fields.truncate ?? 'end';
  if (!isTruncateSide(truncate)) {
    throw new TypeError(`${where}.truncate must be 'end' or 'start', got ${describeValue(truncate)}`);
  }
  return Object.freeze({
    maxTokens: integerIn(fields.maxTokens, 2, MAX_VOCABULARY_SIZE, `${where}.maxTokens`),
    sequenceLength: integerIn(fields.sequenceLength, 1, MAX_SEQUENCE_LENGTH, `${where}.sequenceLength`),
    stripHtml,
    truncate,
  });
}

