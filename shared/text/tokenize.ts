import { blankHtmlTags } from './html';
import { forEachWord, forEachWordFromEnd } from './split';
import { isStrippedPunctuation, standardize } from './standardize';

/** Options shared by everything that turns text into tokens. */
export interface TokenizeOptions {
  /** Replace HTML tags with spaces first (see `blankHtmlTags`). */
  stripHtml: boolean;
  /** Visit the tokens from the last to the first. Default `false`. */
  fromEnd?: boolean;
}

/**
 * Calls `onToken(token, start, end)` for each token of `text`, in order (in
 * reverse order with `fromEnd`), until the text ends or `onToken` returns
 * `false`.
 *
 * Keras standardizes the whole string and then splits it. Splitting first and
 * standardizing each word gives the same tokens, because standardization never
 * touches whitespace and never creates it, and it lets us keep offsets: `start`
 * and `end` are UTF-16 offsets into `text` as given, trimmed of the punctuation
 * that standardization removes at either end, so
 * `standardize(text.slice(start, end)) === token`. Words made only of
 * punctuation give no token, as in Keras.
 *
 * @example
 * ```ts
 * forEachToken('"Hi," she said.', { stripHtml: false }, (token, start, end) => {
 *   console.log(token, start, end); // hi 1 3, then she 6 9, then said 10 14
 * });
 * ```
 */
export function forEachToken(
  text: string,
  options: TokenizeOptions,
  onToken: (token: string, start: number, end: number) => boolean | void,
): void {
  const source = options.stripHtml ? blankHtmlTags(text) : text;
  const forEachWordIn = options.fromEnd ? forEachWordFromEnd : forEachWord;
  forEachWordIn(source, (wordStart, wordEnd) => {
    let start = wordStart;
    let end = wordEnd;
    while (start < end && isStrippedPunctuation(source.charCodeAt(start))) start++;
    while (end > start && isStrippedPunctuation(source.charCodeAt(end - 1))) end--;
    if (start === end) return true;
    return onToken(standardize(source, start, end), start, end);
  });
}
