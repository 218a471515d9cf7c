/**
 * Vocabulary ranking as Keras' `IndexLookup.finalize_state` does it (the same
 * code in Keras 2's `index_lookup.py` and Keras 3's):
 *
 * ```python
 * sorted_indices = np.lexsort((tokens.numpy(), counts.numpy()))[::-1]
 * sorted_indices = sorted_indices[:max_tokens - 2]   # '' and '[UNK]' come first
 * ```
 *
 * `np.lexsort` sorts by count, then by token (Python `bytes`, so UTF-8 byte
 * order), both ascending; reversed, that is count descending and, among equal
 * counts, token descending by UTF-8 bytes. UTF-8 byte order is Unicode code
 * point order, which differs from JavaScript's UTF-16 `<` for characters above
 * U+FFFF, hence `compareCodePoints`.
 */

/** Index 0: the padding (mask) token, Keras' `mask_token=''`. */
export const PADDING_TOKEN = '';
/** Index 1: every token not in the vocabulary, Keras' `oov_token='[UNK]'`. */
export const OOV_TOKEN = '[UNK]';
/** Id of `PADDING_TOKEN`; no real token ever gets it, so trailing zeros are padding. */
export const PADDING_ID = 0;
/** Id of `OOV_TOKEN`. */
export const OOV_ID = 1;

/**
 * Compares two strings by Unicode code points, the order of their UTF-8 bytes.
 *
 * @example
 * ```ts
 * '\u{1F600}' < '\uFF5E';                      // true: UTF-16 code units
 * compareCodePoints('\u{1F600}', '\uFF5E') > 0; // true: U+1F600 > U+FF5E
 * ```
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF, so they must sort
    // after E000-FFFF: move them up by 0x2000 and E000-FFFF down by 0x800.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Builds the vocabulary from token counts: `''`, `'[UNK]'`, then the most
 * frequent tokens, at most `maxTokens` entries in all. Equal counts are ordered
 * by descending code points, as Keras does (see the file comment).
 *
 * @example
 * ```ts
 * rankVocabulary(new Map([['a', 2], ['b', 2], ['c', 5]]), 4); // ['', '[UNK]', 'c', 'b']
 * ```
 */
export function rankVocabulary(counts: ReadonlyMap<string, number>, maxTokens: number): string[] {
  const learnedSize = Math.max(0, maxTokens - 2);
  let candidates = [...counts];
  if (candidates.length > learnedSize) {
    // Only tokens at least as frequent as the last one kept can make the cut;
    // a numeric sort finds that count far faster than sorting every string.
    const ascending = Float64Array.from(counts.values()).sort();
    const lowestKept = learnedSize > 0 ? ascending[ascending.length - learnedSize] : Infinity;
    candidates = candidates.filter(([, count]) => count >= lowestKept);
  }
  candidates.sort(([tokenA, countA], [tokenB, countB]) => countB - countA || compareCodePoints(tokenB, tokenA));
  return [PADDING_TOKEN, OOV_TOKEN, ...candidates.slice(0, learnedSize).map(([token]) => token)];
}
