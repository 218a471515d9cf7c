/**
 * Keras' `standardize='lower_and_strip_punctuation'`: `tf.strings.lower`
 * followed by `tf.strings.regex_replace(DEFAULT_STRIP_REGEX, '')`.
 *
 * Keras calls `tf.strings.lower` without an `encoding`, and with the default
 * `encoding=''` the StringLower kernel runs `absl::AsciiStrToLower`: only A-Z
 * are lowercased, every other character (É, Ä, Я, İ, Σ, ...) is kept as is
 * (tensorflow/tensorflow#48551, keras-team/keras#19668). We reproduce that, so
 * a vocabulary fitted here matches one fitted by Keras, and because no
 * character changes length, offsets into the input stay simple.
 *
 * Punctuation is `DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'`.
 * In that class `,-\.` is the range `,` to `.`, so the set is exactly Python's
 * `string.punctuation`: the 32 ASCII punctuation characters. It is removed, not
 * replaced by a space, so `don't` becomes `dont` and `well-known` `wellknown`.
 *
 * Lone UTF-16 surrogates cannot reach TensorFlow (it only sees UTF-8 bytes);
 * we turn each into U+FFFD, as any UTF-8 encoder (TextEncoder) would, so every
 * token is a well-formed string that survives a UTF-8 round trip.
 */

/** The 32 characters Keras strips: Python's `string.punctuation`. */
export const KERAS_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const IS_PUNCTUATION = new Uint8Array(128);
for (let i = 0; i < KERAS_PUNCTUATION.length; i++) IS_PUNCTUATION[KERAS_PUNCTUATION.charCodeAt(i)] = 1;

const REPLACEMENT_CHARACTER = '\uFFFD';

/** True when Keras' standardization removes this UTF-16 code unit. */
export function isStrippedPunctuation(codeUnit: number): boolean {
  return codeUnit < 128 && IS_PUNCTUATION[codeUnit] === 1;
}

/**
 * Standardizes `text.slice(start, end)` the way Keras'
 * `lower_and_strip_punctuation` does: ASCII letters lowercased, the 32 ASCII
 * punctuation characters removed, everything else (whitespace included) kept.
 * Lone surrogates become U+FFFD.
 *
 * Taking a range lets the tokenizer standardize one word in place without
 * slicing it out first.
 *
 * @example
 * ```ts
 * standardize("Don't SHOUT, ÉCOLE!"); // "dont shout École"
 * standardize('(great)', 1, 6);        // "great"
 * ```
 */
export function standardize(text: string, start = 0, end = text.length): string {
  let out = '';
  let unchangedFrom = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if (c >= 65 && c <= 90) {
        out += text.slice(unchangedFrom, i) + String.fromCharCode(c + 32);
        unchangedFrom = i + 1;
      } else if (IS_PUNCTUATION[c] === 1) {
        out += text.slice(unchangedFrom, i);
        unchangedFrom = i + 1;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
      } else {
        out += text.slice(unchangedFrom, i) + REPLACEMENT_CHARACTER;
        unchangedFrom = i + 1;
      }
    }
  }
  // Most words need no change: return a plain slice and skip the concatenation.
  return unchangedFrom === start ? text.slice(start, end) : out + text.slice(unchangedFrom, end);
}
