import { describeValue, resolveVectorizerConfig, type VectorizerConfig } from './config';
import { isSplitWhitespace } from './split';
import { isStrippedPunctuation } from './standardize';
import { OOV_TOKEN, PADDING_TOKEN } from './vocabulary';

/** The `format` field that marks JSON written by `TextVectorizer.toJSON()`. */
export const TEXT_VECTORIZER_FORMAT = 'text-vectorizer';
/** Changes whenever the same text and vocabulary would give other ids. */
export const TEXT_VECTORIZER_VERSION = 1;

/**
 * What `TextVectorizer.toJSON()` returns and `fromJSON` accepts: the config and
 * the vocabulary, index = token id. Version 1 means Keras'
 * `lower_and_strip_punctuation` + `whitespace` split, as in `standardize.ts`
 * and `split.ts`. `vocabulary` has the shape of Keras' `get_vocabulary()`.
 * A config without `truncate` means `'end'`, which is what every vectorizer
 * saved before the option existed does.
 */
export interface TextVectorizerJSON {
  format: typeof TEXT_VECTORIZER_FORMAT;
  version: typeof TEXT_VECTORIZER_VERSION;
  config: Omit<Required<VectorizerConfig>, 'truncate'> & Pick<VectorizerConfig, 'truncate'>;
  vocabulary: string[];
}

const WHERE = 'TextVectorizer.fromJSON';

/** `\xNN` for each ASCII code unit that `standardize` changes (uppercase, punctuation) or `split` splits on. */
function asciiNeverInTokens(): string {
  let codes = '';
  for (let c = 0; c < 128; c++) {
    const uppercase = c >= 65 && c <= 90;
    if (uppercase || isStrippedPunctuation(c) || isSplitWhitespace(c)) codes += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return codes;
}

/**
 * Matches what no token holds: a code unit that `standardize` would change
 * or `split` splits on, or a lone surrogate (which `standardize` replaces).
 * One native test per entry: standardizing each of 10,000 entries in
 * JavaScript took 7–16 ms of the worker's cold start, where the code still
 * runs in V8's interpreter; this takes a third of that.
 */
const NEVER_IN_TOKENS = new RegExp(`[${asciiNeverInTokens()}]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`);

/** Checks a vocabulary and returns its index, token → id, for every entry but the first two. */
function checkVocabulary(value: unknown, maxTokens: number): Map<string, number> {
  if (!Array.isArray(value)) throw new TypeError(`${WHERE}: vocabulary must be an array of strings, got ${describeValue(value)}`);
  if (value.length < 2 || value[0] !== PADDING_TOKEN || value[1] !== OOV_TOKEN) {
    throw new TypeError(`${WHERE}: vocabulary must start with '' (padding, id 0) and '[UNK]' (id 1)`);
  }
  if (value.length > maxTokens) {
    throw new RangeError(`${WHERE}: vocabulary has ${value.length} entries, more than config.maxTokens = ${maxTokens}`);
  }
  const ids = new Map<string, number>();
  for (let id = 2; id < value.length; id++) {
    const entry: unknown = value[id];
    if (typeof entry !== 'string') throw new TypeError(`${WHERE}: vocabulary[${id}] must be a string, got ${describeValue(entry)}`);
    // An entry the tokenizer can never produce means the vocabulary was built
    // with other rules; using it would silently map those words to '[UNK]'.
    if (entry === '' || NEVER_IN_TOKENS.test(entry)) {
      throw new TypeError(
        `${WHERE}: vocabulary[${id}] = ${describeValue(entry)} is not a token this tokenizer can produce ` +
          '(empty, or has ASCII uppercase, punctuation, whitespace or a lone surrogate)',
      );
    }
    if (ids.has(entry)) throw new TypeError(`${WHERE}: vocabulary[${id}] = ${describeValue(entry)} appears twice`);
    ids.set(entry, id);
  }
  return ids;
}

/**
 * Validates JSON produced by `TextVectorizer.toJSON()` (after any
 * `JSON.parse`) and returns its config and vocabulary.
 *
 * @throws TypeError or RangeError saying which field is wrong
 *
 * @example
 * ```ts
 * const { config, vocabulary } = parseTextVectorizerJSON(JSON.parse(text));
 * ```
 */
export function parseTextVectorizerJSON(json: unknown): {
  config: Readonly<Required<VectorizerConfig>>;
  vocabulary: string[];
  /** token → id, every entry but the first two */
  ids: Map<string, number>;
} {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError(`${WHERE}: expected an object, got ${describeValue(json)}`);
  }
  const fields = json as Record<string, unknown>;
  if (fields.format !== TEXT_VECTORIZER_FORMAT) {
    throw new TypeError(`${WHERE}: format must be '${TEXT_VECTORIZER_FORMAT}', got ${describeValue(fields.format)}`);
  }
  if (fields.version !== TEXT_VECTORIZER_VERSION) {
    throw new RangeError(`${WHERE}: unsupported version ${describeValue(fields.version)}; this code reads version ${TEXT_VECTORIZER_VERSION}`);
  }
  const config = resolveVectorizerConfig(fields.config, `${WHERE}: config`);
  const ids = checkVocabulary(fields.vocabulary, config.maxTokens);
  return { config, vocabulary: fields.vocabulary as string[], ids };
}
