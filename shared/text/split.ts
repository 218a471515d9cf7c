/**
 * Keras' `split='whitespace'`: `tf.strings.split(inputs)` with `sep=None`.
 *
 * The StringSplitV2 kernel then skips runs of whitespace with
 * `absl::StripLeadingAsciiWhitespace` and takes words with `isspace` on single
 * bytes, so only the six ASCII whitespace characters separate words: tab, line
 * feed, vertical tab, form feed, carriage return and space (U+0009 to U+000D,
 * U+0020). No-break space (U+00A0), next line (U+0085, a C1 control found in
 * IMDB), U+2028, ideographic space (U+3000) and U+001C to U+001F do not split.
 * Runs of whitespace count as one separator and never yield empty words.
 */

/** True for the six ASCII whitespace characters that `tf.strings.split` splits on. */
export function isSplitWhitespace(codeUnit: number): boolean {
  return codeUnit === 32 || (codeUnit >= 9 && codeUnit <= 13);
}

/**
 * Calls `onWord(start, end)` for each maximal run of non-whitespace UTF-16 code
 * units, in order, until the text ends or `onWord` returns `false`.
 *
 * A callback rather than an array, so encoding a 1,000-word review allocates
 * nothing and can stop as soon as the sequence is full.
 *
 * @example
 * ```ts
 * const words: string[] = [];
 * forEachWord('  to be\tor ', (start, end) => { words.push('  to be\tor '.slice(start, end)); });
 * words; // ['to', 'be', 'or']
 * ```
 */
export function forEachWord(text: string, onWord: (start: number, end: number) => boolean | void): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    while (i < length && isSplitWhitespace(text.charCodeAt(i))) i++;
    if (i === length) return;
    const start = i;
    while (i < length && !isSplitWhitespace(text.charCodeAt(i))) i++;
    if (onWord(start, i) === false) return;
  }
}

/**
 * `forEachWord` from the last word to the first: the same words, in reverse
 * order, so that keeping a text's last words reads only those.
 *
 * @example
 * ```ts
 * const words: string[] = [];
 * forEachWordFromEnd('  to be\tor ', (start, end) => { words.push('  to be\tor '.slice(start, end)); });
 * words; // ['or', 'be', 'to']
 * ```
 */
export function forEachWordFromEnd(text: string, onWord: (start: number, end: number) => boolean | void): void {
  let i = text.length;
  while (i > 0) {
    while (i > 0 && isSplitWhitespace(text.charCodeAt(i - 1))) i--;
    if (i === 0) return;
    const end = i;
    while (i > 0 && !isSplitWhitespace(text.charCodeAt(i - 1))) i--;
    if (onWord(i, end) === false) return;
  }
}
