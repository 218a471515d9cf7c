import fc from 'fast-check';

/** Characters that decide token boundaries, or that break naive text handling. */
const TRICKY_PIECES = [' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u0085', '\u2028', '\u3000', '\u0000', "'", '-', '.', '"', '\\', '<', '>', '/',
  '<br />', '<i>', '</I>', '<a href="x">', '< b >', '<3', 'İ', 'ß', 'A', 'Z', '😀', 'e\u0301', '\uFEFF', '\uFFFF', '\u202E'];

/** Half of a surrogate pair on its own: valid in a JS string, not in UTF-8. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Any UTF-16 code unit: `unit: 'binary'` gives every code point but never half a surrogate pair. */
export const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/**
 * Arbitrary text: any code point, any code unit (lone surrogates too),
 * graphemes, and the characters that decide token boundaries; `words` mixes
 * in known tokens so that some texts mean something to a model.
 *
 * @example
 * ```ts
 * fc.sample(anyText({ words: ['good', 'bad'] }), 2); // ['\uD83D Good<br />\u0085x', '']
 * ```
 */
export function anyText(options: { words?: readonly string[]; maxPieces?: number } = {}): fc.Arbitrary<string> {
  const { words = [], maxPieces = 40 } = options;
  const pieces = [
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
    fc.string({ unit: codeUnit, maxLength: 6 }),
    loneSurrogate,
    fc.constantFrom(...TRICKY_PIECES),
  ];
  if (words.length > 0) pieces.push(fc.constantFrom(...words).chain((word) => fc.mixedCase(fc.constant(` ${word} `))));
  return fc.array(fc.oneof(...pieces), { maxLength: maxPieces }).map((parts) => parts.join(''));
}
