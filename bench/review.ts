/**
 * A review of `words` words, all in ordinary vocabulary: what the bench
 * classifies, so that every word is a known token.
 *
 * @example
 * review(5); // 'the great the and was'
 */
export function review(words: number): string {
  const vocabulary =
    'the film was a wonderful story with great acting and a moving score but the plot felt slow in the middle and some scenes were dull'.split(' ');
  return Array.from({ length: words }, (_, i) => vocabulary[(i * 7) % vocabulary.length]).join(' ');
}
