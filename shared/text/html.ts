/**
 * Optional removal of HTML tags before standardization. Keras has no such
 * option; its IMDB tutorials add `regex_replace('<br />', ' ')` in a custom
 * standardize function. Without it `great<br /><br />movie` becomes the tokens
 * `greatbr`, `br`, `movie`.
 *
 * A tag is `<`, an optional `/`, an ASCII letter, then anything but `<` or `>`
 * up to `>`: `<br />`, `<i>`, `</i>`, `<hr>`, `<a href="x">`. Text such as
 * `a < b > c`, `<3` or `<=8` is not a tag and is kept.
 */
const HTML_TAG = /<\/?[A-Za-z][^<>]*>/g;

/**
 * Replaces every HTML tag with as many spaces as it has characters, so the
 * tag separates words and every offset into the result is also an offset into
 * the original text.
 *
 * @example
 * ```ts
 * blankHtmlTags('great<br />movie'); // 'great      movie'
 * ```
 */
export function blankHtmlTags(text: string): string {
  return text.replace(HTML_TAG, (tag) => ' '.repeat(tag.length));
}
