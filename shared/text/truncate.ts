import type { TruncateSide } from './config';
import { forEachToken } from './tokenize';

/** What decides which tokens of a text fit in one sequence. */
export interface TruncateOptions {
  stripHtml: boolean;
  sequenceLength: number;
  truncate: TruncateSide;
}

/**
 * Writes one item per token that a sequence of `sequenceLength` keeps into
 * `slots[offset ...]`, in text order, and returns how many it wrote (at most
 * `sequenceLength`). Slots after those are left as they were.
 *
 * `'start'` reads the text from its end, so either side stops as soon as it
 * has its tokens instead of standardizing every word of a long text.
 *
 * @example
 * ```ts
 * const words: string[] = [];
 * writeKeptTokens('a b c d e', { stripHtml: false, sequenceLength: 3, truncate: 'start' }, words, 0, (token) => token);
 * // 3; words is ['c', 'd', 'e']
 * ```
 */
export function writeKeptTokens<T>(
  text: string,
  options: TruncateOptions,
  slots: { [index: number]: T },
  offset: number,
  toItem: (token: string, start: number, end: number) => T,
): number {
  const { sequenceLength } = options;
  const fromEnd = options.truncate === 'start';
  let kept = 0;
  forEachToken(text, { stripHtml: options.stripHtml, fromEnd }, (token, start, end) => {
    slots[offset + kept++] = toItem(token, start, end);
    return kept < sequenceLength;
  });
  if (fromEnd) reverse(slots, offset, offset + kept);
  return kept;
}

function reverse<T>(slots: { [index: number]: T }, begin: number, end: number): void {
  for (let i = begin, j = end - 1; i < j; i++, j--) {
    const item = slots[i];
    slots[i] = slots[j];
    slots[j] = item;
  }
}
