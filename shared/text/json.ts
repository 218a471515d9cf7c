import { describeValue, resolveVectorizerConfig, type VectorizerConfig } from './config';
import { isSplitWhitespace } from './split';
import { standardize } from './standardize';
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

function isProducibleToken(entry: string): boolean {
  if (entry === '' || standardize(entry) !== entry) return false;
  for (let i = 0; i < entry.length; i++) if (isSplitWhitespace(entry.charCodeAt(i))) return false;
  return true;
}

function checkVocabulary(value: unknown, maxTokens: number): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${WHERE}: vocabulary must be an array of strings, got ${describeValue(value)}`);
  if (value.length < 2 || value[0] !== PADDING_TOKEN || value[1] !== OOV_TOKEN) {
    throw new TypeError(`${WHERE}: vocabulary must start with '' (padding, id 0) and '[UNK]' (id 1)`);
  }
  if (value.length > maxTokens) {
    throw new RangeError(`${WHERE}: vocabulary has ${value.length} entries, more than config.maxTokens = ${maxTokens}`);
  }
  const seen = new Set<string>();
  for (let id = 2; id < value.length; id++) {
    const entry: unknown = value[id];
    if (typeof entry !== 'string') throw new TypeError(`${WHERE}: vocabulary[${id}] must be a string, got ${describeValue(entry)}`);
    // An entry the tokenizer can never produce means the vocabulary was built
    // with other rules; using it would silently map those words to '[UNK]'.
    if (!isProducibleToken(entry)) {
      throw new TypeError(
        `${WHERE}: vocabulary[${id}] = ${describeValue(entry)} is not a token this tokenizer can produce ` +
          '(empty, or has ASCII uppercase, punctuation, whitespace or a lone surrogate)',
      );
    }
    if (seen.has(entry)) throw new TypeError(`${WHERE}: vocabulary[${id}] = ${describeValue(entry)} appears twice`);
    seen.add(entry);
  }
  return value as string[];
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
  return { config, vocabulary: checkVocabulary(fields.vocabulary, config.maxTokens) };
}
