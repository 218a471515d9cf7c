/**
 * The tokenizer on whatever a client may send: any UTF-16 (lone surrogates
 * included), control characters, HTML-ish fragments, and megabyte strings.
 * It must never throw, and what it returns must stay self-consistent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SEQUENCE_LENGTH, TextVectorizer, standardize, type TokenSpan } from '../../shared/text';
import { fuzz } from '../support/fuzz';
import { anyText, codeUnit } from '../support/text-arbitraries';

const text = anyText();

const vectorizerConfig = fc.record({
  maxTokens: fc.integer({ min: 2, max: 40 }),
  sequenceLength: fc.integer({ min: 1, max: 64 }),
  stripHtml: fc.boolean(),
  truncate: fc.constantFrom('end' as const, 'start' as const),
});

// ignoreBOM: keep a leading U+FEFF, which is a character of the text here.
const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder('utf-8', { ignoreBOM: true }) };

/** A string that survives UTF-8 (no lone surrogate): what JSON answers and TensorFlow need. */
function isWellFormed(text: string): boolean {
  return utf8.decoder.decode(utf8.encoder.encode(text)) === text;
}

/**
 * Every invariant of `tokens` and `encodeInto` on one text, as a list of
 * broken ones (plain comparisons: a megabyte text has a million spans).
 */
function tokenizationProblems(vectorizer: TextVectorizer, text: string): string[] {
  const problems: string[] = [];
  const spans = vectorizer.tokens(text);
  const { sequenceLength, truncate } = vectorizer.config;
  if (spans.length > sequenceLength) problems.push(`${spans.length} spans for sequenceLength ${sequenceLength}`);
  // The kept spans are the first or the last ones of all the text's spans.
  const json = vectorizer.toJSON();
  const all = TextVectorizer.fromJSON({ ...json, config: { ...json.config, sequenceLength: MAX_SEQUENCE_LENGTH } }).tokens(text);
  const kept = truncate === 'end' ? all.slice(0, sequenceLength) : all.slice(Math.max(0, all.length - sequenceLength));
  const same = (a: TokenSpan, b: TokenSpan) => a.token === b.token && a.id === b.id && a.start === b.start && a.end === b.end;
  if (kept.length !== spans.length || !kept.every((span, i) => same(span, spans[i]))) {
    problems.push(`the spans are not the ${truncate === 'end' ? 'first' : 'last'} ${sequenceLength} of the text's ${all.length}`);
  }
  let previousEnd = -1;
  for (const [i, { token, id, start, end }] of spans.entries()) {
    const where = `span ${i} ${JSON.stringify({ token, id, start, end })}`;
    // In range, in order, and separated by at least one character.
    if (!(start > previousEnd && end > start && end <= text.length)) problems.push(`${where}: out of order or range`);
    previousEnd = end;
    if (standardize(text.slice(start, end)) !== token) problems.push(`${where}: standardize(text.slice(start, end)) differs`);
    if (!isWellFormed(token)) problems.push(`${where}: token is not well-formed UTF-16`);
    // 0 is padding, never a token; 1 is [UNK].
    if (!(Number.isInteger(id) && id >= 1 && id < vectorizer.vocabulary.length)) problems.push(`${where}: id out of range`);
    else if (id !== 1 && vectorizer.vocabulary[id] !== token) problems.push(`${where}: id is another token's`);
    if (problems.length > 5) break;
  }
  const offset = 3;
  const ids = new Int32Array(offset + sequenceLength).fill(-1);
  const length = vectorizer.encodeInto(text, ids, offset);
  if (length !== spans.length) problems.push(`encodeInto says ${length} tokens, tokens() gives ${spans.length}`);
  if (!ids.subarray(0, offset).every((id) => id === -1)) problems.push('encodeInto wrote before its offset');
  if (!spans.every((span, i) => ids[offset + i] === span.id)) problems.push('encodeInto ids differ from tokens() ids');
  if (!ids.subarray(offset + spans.length).every((id) => id === 0)) problems.push('encodeInto padding is not 0');
  return problems;
}

describe('tokenizer fuzzing', () => {
  it('tokenizes arbitrary unicode without throwing: ids in range, spans consistent with standardize', async () => {
    await fuzz(
      fc.property(fc.array(text, { maxLength: 3 }), text, vectorizerConfig, (corpus, input, config) => {
        const vectorizer = TextVectorizer.fit(corpus, config);
        expect(vectorizer.vocabulary.length).toBeLessThanOrEqual(config.maxTokens);
        expect(new Set(vectorizer.vocabulary).size).toBe(vectorizer.vocabulary.length);
        expect(vectorizer.vocabulary.every(isWellFormed)).toBe(true);
        expect(tokenizationProblems(vectorizer, input)).toEqual([]);
        // What the worker loads is what training saved.
        const restored = TextVectorizer.fromJSON(JSON.parse(JSON.stringify(vectorizer)));
        expect(restored.encode(input)).toEqual(vectorizer.encode(input));
      }),
      { numRuns: 6000, timeLimitMs: 20_000 },
    );
  });

  it('accepts a saved vocabulary entry exactly when the tokenizer can produce it', async () => {
    // The definition: a token is non-empty, standardize leaves it as it is, and split would not cut it.
    const producible = (entry: string) => entry !== '' && standardize(entry) === entry && !/[\t-\r ]/.test(entry);
    const json = (entry: string) => ({ format: 'text-vectorizer', version: 1, config: { maxTokens: 3, sequenceLength: 4 }, vocabulary: ['', '[UNK]', entry] });
    await fuzz(
      fc.property(fc.oneof(text, fc.string({ unit: codeUnit, maxLength: 4 })), (entry) => {
        let accepted = true;
        try {
          TextVectorizer.fromJSON(json(entry));
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(producible(entry));
      }),
      { numRuns: 20_000, timeLimitMs: 10_000 },
    );
  });

  it('handles megabyte strings of arbitrary content, cutting at sequenceLength', async () => {
    const vectorizers = (['end', 'start'] as const).map((truncate) =>
      TextVectorizer.fit(['the film was good', 'the plot was bad <br /> really'], {
        maxTokens: 10,
        sequenceLength: 2_000,
        stripHtml: true,
        truncate,
      }),
    );
    const huge = fc
      .tuple(text, fc.integer({ min: 900_000, max: 1_100_000 }), text)
      .map(([unit, length, tail]) => (unit === '' ? ' ' : unit).repeat(Math.ceil(length / Math.max(1, unit.length))).slice(0, length) + tail);
    const runs = await fuzz(
      fc.property(huge, (input) => {
        expect(input.length).toBeGreaterThan(800_000);
        for (const vectorizer of vectorizers) expect(tokenizationProblems(vectorizer, input)).toEqual([]);
      }),
      { numRuns: 10, timeLimitMs: 15_000, minRuns: 3 },
    );
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('handles the worst megabyte shapes: one 1 MB word, 1 MB of whitespace, an unclosed tag, half a million tags', () => {
    const megabyte = 1 << 20;
    const shapes = [
      'x'.repeat(megabyte),
      ' '.repeat(megabyte),
      `<a${'b'.repeat(megabyte)}`,
      '<i>'.repeat(megabyte / 3),
      '\uD800'.repeat(megabyte),
      'a '.repeat(megabyte / 2),
    ];
    for (const truncate of ['end', 'start'] as const) {
      const vectorizer = TextVectorizer.fit([], { maxTokens: 2, sequenceLength: megabyte, stripHtml: true, truncate });
      for (const text of shapes) expect(tokenizationProblems(vectorizer, text)).toEqual([]);
    }
  });
});
