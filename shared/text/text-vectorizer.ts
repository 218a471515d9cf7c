import { describeValue, resolveVectorizerConfig, type VectorizerConfig } from './config';
import { TEXT_VECTORIZER_FORMAT, TEXT_VECTORIZER_VERSION, parseTextVectorizerJSON, type TextVectorizerJSON } from './json';
import { forEachToken } from './tokenize';
import { writeKeptTokens } from './truncate';
import { OOV_ID, rankVocabulary } from './vocabulary';

/** One token of an input text, where it came from and its id. */
export interface TokenSpan {
  /** The standardized token, e.g. `'dont'`. */
  token: string;
  /** Its vocabulary id; 1 (`'[UNK]'`) when out of vocabulary. */
  id: number;
  /** UTF-16 offsets into the input as given: `input.slice(start, end)` is the word, e.g. `"Don't"`. */
  start: number;
  end: number;
}

/**
 * Turns text into fixed-length sequences of token ids with the semantics of
 * Keras' `TextVectorization(standardize='lower_and_strip_punctuation',
 * split='whitespace', output_mode='int', max_tokens, output_sequence_length)`:
 * ASCII-only lowercasing, the 32 ASCII punctuation characters removed, split on
 * ASCII whitespace, ids ranked by frequency (ties: higher code points first),
 * 0 = padding, 1 = `'[UNK]'`, sequences cut and padded at the end. With
 * `truncate: 'start'` a long text keeps its last tokens instead, as Keras'
 * `pad_sequences(truncating='pre', padding='post')` does.
 *
 * @example
 * ```ts
 * const vectorizer = TextVectorizer.fit(['A great film.', 'A dull film!', 'great great'], {
 *   maxTokens: 5,
 *   sequenceLength: 4,
 * });
 * vectorizer.vocabulary;            // ['', '[UNK]', 'great', 'film', 'a']
 * vectorizer.encode('Great, FILM'); // Int32Array [2, 3, 0, 0]
 * vectorizer.encode('a dull film'); // Int32Array [4, 1, 3, 0]
 *
 * const lastTwo = TextVectorizer.fit(['A great film.', 'A dull film!', 'great great'], {
 *   maxTokens: 5,
 *   sequenceLength: 2,
 *   truncate: 'start',
 * });
 * lastTwo.encode('a dull film');      // Int32Array [1, 3]
 * ```
 */
export class TextVectorizer {
  /** Index = id. Starts with `''` and `'[UNK]'`; at most `config.maxTokens` long. */
  readonly vocabulary: readonly string[];
  readonly config: Readonly<Required<VectorizerConfig>>;
  private readonly ids: ReadonlyMap<string, number>;

  /** @param ids token → id for every entry of `vocabulary` but the first two */
  private constructor(vocabulary: readonly string[], config: Readonly<Required<VectorizerConfig>>, ids: ReadonlyMap<string, number>) {
    this.vocabulary = Object.freeze([...vocabulary]);
    this.config = config;
    this.ids = ids;
  }

  /**
   * Learns the vocabulary from training texts, like Keras' `adapt()`: every
   * token occurrence counts once; the `maxTokens - 2` most frequent tokens are
   * kept.
   *
   * @throws TypeError or RangeError for a bad config, or when `texts` is a string or holds a non-string
   *
   * @example
   * ```ts
   * const vectorizer = TextVectorizer.fit(reviews, { maxTokens: 10000, sequenceLength: 100, stripHtml: true });
   * ```
   */
  static fit(texts: Iterable<string>, config: VectorizerConfig): TextVectorizer {
    // A string is iterable too, and would silently be fitted character by character.
    if (typeof texts === 'string') throw new TypeError('TextVectorizer.fit: texts must be an iterable of strings, not one string');
    const resolved = resolveVectorizerConfig(config, 'TextVectorizer.fit config');
    const counts = new Map<string, number>();
    const countToken = (token: string): void => {
      counts.set(token, (counts.get(token) ?? 0) + 1);
    };
    let index = 0;
    for (const text of texts) {
      if (typeof text !== 'string') {
        throw new TypeError(`TextVectorizer.fit: texts[${index}] must be a string, got ${describeValue(text)}`);
      }
      forEachToken(text, resolved, countToken);
      index++;
    }
    const vocabulary = rankVocabulary(counts, resolved.maxTokens);
    return new TextVectorizer(vocabulary, resolved, new Map(vocabulary.map((token, id) => [token, id] as const).slice(2)));
  }

  /**
   * Restores a vectorizer saved with `toJSON()`. Also accepts a vocabulary
   * taken from Keras' `get_vocabulary()`, since the rules are the same.
   *
   * @throws TypeError or RangeError naming the first bad field
   *
   * @example
   * ```ts
   * const vectorizer = TextVectorizer.fromJSON(JSON.parse(await file.text()));
   * ```
   */
  static fromJSON(json: unknown): TextVectorizer {
    const { config, vocabulary, ids } = parseTextVectorizerJSON(json);
    return new TextVectorizer(vocabulary, config, ids);
  }

  /**
   * The config and vocabulary, ready for `JSON.stringify`. `truncate` is
   * written only when it is `'start'`: a default vectorizer saves exactly what
   * it saved before the option existed, and code from before it refuses a
   * `'start'` one (unknown key) rather than silently keeping the wrong tokens.
   *
   * @example
   * ```ts
   * const copy = TextVectorizer.fromJSON(JSON.parse(JSON.stringify(vectorizer)));
   * ```
   */
  toJSON(): TextVectorizerJSON {
    const { truncate, ...config } = this.config;
    return {
      format: TEXT_VECTORIZER_FORMAT,
      version: TEXT_VECTORIZER_VERSION,
      config: truncate === 'end' ? config : { ...config, truncate },
      vocabulary: [...this.vocabulary],
    };
  }

  /**
   * Writes the ids of `text` into `target[offset ... offset + sequenceLength)`,
   * zero-padded at the end, and returns how many are real tokens (the
   * unpadded length, at most `sequenceLength`). Of a longer text it keeps the
   * first tokens, or the last ones with `truncate: 'start'`. Allocates nothing.
   *
   * @throws RangeError when `target` has no room for a whole sequence at `offset`
   *
   * @example
   * ```ts
   * const ids = new Int32Array(vectorizer.config.sequenceLength);
   * const length = vectorizer.encodeInto('What a film!', ids);
   * model.predict(ids.subarray(0, length)); // run at the real length
   * ```
   */
  encodeInto(text: string, target: Int32Array, offset = 0): number {
    const { sequenceLength } = this.config;
    if (!Number.isInteger(offset) || offset < 0 || offset + sequenceLength > target.length) {
      throw new RangeError(
        `encodeInto: need ${sequenceLength} slots at offset ${offset}, but the target has length ${target.length}`,
      );
    }
    const length = writeKeptTokens(text, this.config, target, offset, (token) => this.idOf(token));
    target.fill(0, offset + length, offset + sequenceLength);
    return length;
  }

  /**
   * The ids of `text`: exactly `sequenceLength` of them, cut (at the end, or at
   * the start with `truncate: 'start'`) or zero-padded at the end. Unknown
   * tokens are 1.
   *
   * @example
   * ```ts
   * vectorizer.encode('Great, FILM'); // Int32Array [2, 3, 0, 0]
   * ```
   */
  encode(text: string): Int32Array {
    const ids = new Int32Array(this.config.sequenceLength);
    this.encodeInto(text, ids);
    return ids;
  }

  /**
   * Encodes many texts into one row-major `[texts.length, sequenceLength]`
   * array, as a model's input tensor wants it.
   *
   * @example
   * ```ts
   * const batch = vectorizer.encodeBatch(['good', 'bad']); // length 2 * sequenceLength
   * tf.tensor2d(batch, [2, vectorizer.config.sequenceLength], 'int32');
   * ```
   */
  encodeBatch(texts: readonly string[]): Int32Array {
    const { sequenceLength } = this.config;
    const ids = new Int32Array(texts.length * sequenceLength);
    for (let row = 0; row < texts.length; row++) this.encodeInto(texts[row], ids, row * sequenceLength);
    return ids;
  }

  /**
   * The tokens `encode` keeps, in order, with their ids and their offsets in
   * `text`, for highlighting: `text.slice(start, end)` is the word as written,
   * without the punctuation around it. `tokens(text)[i].id === encode(text)[i]`
   * whichever side is truncated, so position `i` of the model's input is the
   * word at `tokens(text)[i]`.
   *
   * @example
   * ```ts
   * vectorizer.tokens('"Great" film');
   * // [{ token: 'great', id: 2, start: 1, end: 6 }, { token: 'film', id: 3, start: 8, end: 12 }]
   * ```
   */
  tokens(text: string): TokenSpan[] {
    const spans: TokenSpan[] = [];
    writeKeptTokens(text, this.config, spans, 0, (token, start, end) => ({ token, id: this.idOf(token), start, end }));
    return spans;
  }

  private idOf(token: string): number {
    return this.ids.get(token) ?? OOV_ID;
  }
}
