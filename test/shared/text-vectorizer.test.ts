import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextVectorizer, compareCodePoints, standardize, type TextVectorizerJSON } from '../../shared/text';

/** Tokens of `text` as the vectorizer splits them (the vocabulary does not matter here). */
function tokensOf(text: string, stripHtml = false): string[] {
  return TextVectorizer.fit([], { maxTokens: 2, sequenceLength: 10_000, stripHtml })
    .tokens(text)
    .map((span) => span.token);
}

/**
 * An independent reference: Keras' steps on the whole string, in Keras' order,
 * with regular expressions instead of our per-word scanner. Lone surrogates go
 * first, as a UTF-8 encoder would turn them into U+FFFD before TensorFlow sees
 * the text.
 */
function referenceTokens(text: string, stripHtml = false): string[] {
  let s = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (stripHtml) s = s.replace(/<\/?[A-Za-z][^<>]*>/g, ' ');
  s = s.replace(/[A-Z]/g, (letter) => letter.toLowerCase()); // tf.strings.lower with encoding=''
  s = s.replace(/[!"#$%&()\*\+,-\.\/:;<=>?@\[\\\]^_`{|}~\']/g, ''); // DEFAULT_STRIP_REGEX, `/` escaped for JS
  return s.split(/[\t\n\v\f\r ]+/).filter((word) => word !== ''); // absl ASCII whitespace
}

const PYTHON_STRING_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

describe('standardize: Keras lower_and_strip_punctuation', () => {
  it('removes exactly the 32 characters of string.punctuation among ASCII and lowercases only A-Z', () => {
    for (let code = 0; code < 128; code++) {
      const char = String.fromCharCode(code);
      const expected = PYTHON_STRING_PUNCTUATION.includes(char)
        ? 'ab'
        : code >= 65 && code <= 90
          ? `a${String.fromCharCode(code + 32)}b`
          : `a${char}b`;
      expect(standardize(`a${char}b`), `U+${code.toString(16).padStart(4, '0')}`).toBe(expected);
    }
  });

  it('removes punctuation rather than replacing it with a space', () => {
    expect(tokensOf("Don't, well-known U.S.A. e-mail; (it's) a - b")).toEqual([
      'dont',
      'wellknown',
      'usa',
      'email',
      'its',
      'a',
      'b',
    ]);
  });

  it('keeps non-ASCII punctuation, which is not in Keras set', () => {
    expect(tokensOf('It’s great – really… ¿Qué? ¡Sí! «bon» “quoted” 。')).toEqual([
      'it’s',
      'great',
      '–',
      'really…',
      '¿qué',
      '¡sí',
      '«bon»',
      '“quoted”',
      '。',
    ]);
  });

  it('lowercases ASCII only, like tf.strings.lower without an encoding', () => {
    expect(standardize('ÉCOLE')).toBe('École');
    expect(standardize('Straße STRASSE')).toBe('straße strasse');
    expect(standardize('İSTANBUL')).toBe('İstanbul');
    expect(standardize('ΣΟΦΊΑ Москва')).toBe('ΣΟΦΊΑ Москва');
  });

  it('standardizes a range of the text in place', () => {
    expect(standardize('x(Great)y', 1, 8)).toBe('great');
  });
});

describe('split: tf.strings.split with sep=None', () => {
  it.each(['\t', '\n', '\v', '\f', '\r', ' '])('splits on ASCII whitespace %j', (space) => {
    expect(tokensOf(`one${space}two`)).toEqual(['one', 'two']);
  });

  it.each(['\u00a0', '\u0085', '\u2028', '\u3000', '\u001f', '\u200b'])('does not split on %j', (char) => {
    expect(tokensOf(`one${char}two`)).toEqual([`one${char}two`]);
  });

  it('ignores leading, trailing and repeated whitespace and punctuation-only words', () => {
    expect(tokensOf('  \t one \r\n\n two  ')).toEqual(['one', 'two']);
    expect(tokensOf('')).toEqual([]);
    expect(tokensOf(' \n ')).toEqual([]);
    expect(tokensOf('!!! ... ? -- "')).toEqual([]);
  });
});

describe('unicode', () => {
  it('keeps emoji, CJK and combining marks as they are (no normalization, no CJK segmentation)', () => {
    expect(tokensOf('I ❤️ this 🎬!!! 👍🏽')).toEqual(['i', '❤️', 'this', '🎬', '👍🏽']);
    expect(tokensOf('這部電影很好。 とても良い')).toEqual(['這部電影很好。', 'とても良い']);
    expect(tokensOf('CAFE\u0301 café')).toEqual(['cafe\u0301', 'café']);
  });

  it('treats the C1 controls found in IMDB as ordinary characters', () => {
    expect(tokensOf('good\u0096bad \u0085 end\u0097')).toEqual(['good\u0096bad', '\u0085', 'end\u0097']);
  });

  it('turns lone surrogates into U+FFFD without crashing', () => {
    expect(tokensOf('a\uD800b \uDC00 x\uD83D \uD83D\uDE00')).toEqual(['a\uFFFDb', '\uFFFD', 'x\uFFFD', '😀']);
    // Punctuation between two halves does not glue them into an emoji: the halves were already lone.
    expect(tokensOf('\uD83D!\uDE00')).toEqual(['\uFFFD\uFFFD']);
  });

  it('matches the whole-string reference, and spans and ids agree, on arbitrary text', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
      fc.constantFrom(' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u0085', '\u3000', "'", '-', '.', '<br />', '<i>', '</I>', '< b >', 'İ', 'A', 'Z', '😀', 'e\u0301'),
    );
    const text = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(text, fc.boolean(), (input, stripHtml) => {
        const expected = referenceTokens(input, stripHtml);
        const vectorizer = TextVectorizer.fit([input.slice(0, input.length >> 1)], { maxTokens: 6, sequenceLength: 64, stripHtml });
        const spans = vectorizer.tokens(input);
        expect(spans.map((span) => span.token)).toEqual(expected.slice(0, 64));
        const ids = vectorizer.encode(input);
        spans.forEach((span, i) => {
          expect(standardize(input.slice(span.start, span.end))).toBe(span.token);
          if (i > 0) expect(span.start).toBeGreaterThan(spans[i - 1].end);
          expect(ids[i]).toBe(span.id);
          expect(span.id === 1 ? !vectorizer.vocabulary.includes(span.token) : vectorizer.vocabulary[span.id] === span.token).toBe(true);
        });
        expect([...ids.subarray(spans.length)].every((id) => id === 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('vocabulary', () => {
  it('ranks by occurrence count, ties by descending code points, after "" and "[UNK]"', () => {
    const vectorizer = TextVectorizer.fit(['b a c', 'c B a', 'd', 'x x x'], { maxTokens: 100, sequenceLength: 4 });
    // x: 3; a, b, c: 2 each (tie: c > b > a); d: 1
    expect(vectorizer.vocabulary).toEqual(['', '[UNK]', 'x', 'c', 'b', 'a', 'd']);
  });

  it('breaks ties by code points (UTF-8 byte order, as numpy sorts bytes), not UTF-16 units', () => {
    const vectorizer = TextVectorizer.fit(['～ 😀 ab a'], { maxTokens: 100, sequenceLength: 4 });
    // U+1F600 > U+FF5E although '\uD83D' < '\uFF5E'; a prefix sorts below its extension
    expect(vectorizer.vocabulary).toEqual(['', '[UNK]', '😀', '～', 'ab', 'a']);
    expect(compareCodePoints('😀', '～')).toBeGreaterThan(0);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });

  it('counts "" and "[UNK]" in maxTokens and cuts ties in the documented order', () => {
    const texts = ['b a c', 'c b a', 'd'];
    const four = TextVectorizer.fit(texts, { maxTokens: 4, sequenceLength: 3 });
    expect(four.vocabulary).toEqual(['', '[UNK]', 'c', 'b']);
    expect([...four.encode('a b c')]).toEqual([1, 3, 2]);
    const two = TextVectorizer.fit(texts, { maxTokens: 2, sequenceLength: 3 });
    expect(two.vocabulary).toEqual(['', '[UNK]']);
    expect([...two.encode('a b')]).toEqual([1, 1, 0]);
  });

  it('accepts any iterable of texts, e.g. a generator', () => {
    function* texts(): Generator<string> {
      yield 'one two';
      yield 'two';
    }
    expect(TextVectorizer.fit(texts(), { maxTokens: 10, sequenceLength: 2 }).vocabulary).toEqual(['', '[UNK]', 'two', 'one']);
  });

  it('rejects bad fit arguments with a clear error', () => {
    expect(() => TextVectorizer.fit(['a'], { maxTokens: 1, sequenceLength: 4 })).toThrow(/maxTokens must be an integer from 2/);
    expect(() => TextVectorizer.fit(['a'], { maxTokens: 10, sequenceLength: 0 })).toThrow(/sequenceLength must be an integer from 1/);
    expect(() => TextVectorizer.fit(['a'], { maxTokens: 10, sequenceLength: 4, stripHTML: true } as never)).toThrow(
      /unknown keys stripHTML/,
    );
    expect(() => TextVectorizer.fit('one review', { maxTokens: 10, sequenceLength: 4 })).toThrow(/not one string/);
    expect(() => TextVectorizer.fit(['a', 42 as unknown as string], { maxTokens: 10, sequenceLength: 4 })).toThrow(
      /texts\[1\] must be a string, got 42/,
    );
  });
});

describe('encode', () => {
  const vectorizer = TextVectorizer.fit(['the film the plot the end', 'film plot'], { maxTokens: 10, sequenceLength: 4 });
  // the: 3, film: 2, plot: 2 (plot > film), end: 1
  const [the, plot, film, end] = [2, 3, 4, 5];

  it('maps known tokens to their index and unknown ones to 1', () => {
    expect(vectorizer.vocabulary).toEqual(['', '[UNK]', 'the', 'plot', 'film', 'end']);
    expect([...vectorizer.encode('The PLOT, the unknown')]).toEqual([the, plot, the, 1]);
  });

  it('pads at the end with 0 and truncates at the end', () => {
    expect([...vectorizer.encode('film')]).toEqual([film, 0, 0, 0]);
    expect([...vectorizer.encode('')]).toEqual([0, 0, 0, 0]);
    expect([...vectorizer.encode('end film plot the film plot')]).toEqual([end, film, plot, the]);
  });

  it('encodeInto writes at an offset, clears old ids and returns the unpadded length', () => {
    const target = new Int32Array(7).fill(9);
    expect(vectorizer.encodeInto('plot twist', target, 2)).toBe(2);
    expect([...target]).toEqual([9, 9, plot, 1, 0, 0, 9]);
    expect(vectorizer.encodeInto('the the the the the', target, 0)).toBe(4);
    expect(() => vectorizer.encodeInto('x', target, 4)).toThrow(/need 4 slots at offset 4, but the target has length 7/);
  });

  it('encodeBatch is row-major [n, sequenceLength], each row equal to encode', () => {
    const texts = ['the plot', 'end', '', 'film film film film film'];
    const batch = vectorizer.encodeBatch(texts);
    expect(batch.length).toBe(texts.length * 4);
    texts.forEach((text, row) => expect([...batch.subarray(row * 4, row * 4 + 4)]).toEqual([...vectorizer.encode(text)]));
    expect(vectorizer.encodeBatch([]).length).toBe(0);
  });
});

describe('stripHtml', () => {
  it('is off by default, reproducing what Keras does with <br />', () => {
    expect(tokensOf('Great<br /><br />movie')).toEqual(['greatbr', 'br', 'movie']);
  });

  it('replaces tags with a space when on, and leaves text that is not a tag', () => {
    expect(tokensOf('Great<br /><br />movie', true)).toEqual(['great', 'movie']);
    expect(tokensOf('<i>Wow</i><SPOILER>end</SPOILER> <a href="x.html">link</a>', true)).toEqual(['wow', 'end', 'link']);
    expect(tokensOf('a < b > c, <3, <=8', true)).toEqual(['a', 'b', 'c', '3', '8']);
  });

  it('keeps offsets into the original text', () => {
    const input = 'Great<br /><br />movie';
    const vectorizer = TextVectorizer.fit([input], { maxTokens: 10, sequenceLength: 5, stripHtml: true });
    expect(vectorizer.tokens(input).map((span) => input.slice(span.start, span.end))).toEqual(['Great', 'movie']);
  });
});

describe('tokens: offsets for highlighting', () => {
  const input = `"Hello," she said. Don't! 😀 (Wow) İyi ÉCOLE`;
  const vectorizer = TextVectorizer.fit([input], { maxTokens: 100, sequenceLength: 20 });

  it('gives UTF-16 offsets into the input, trimmed of the punctuation around each word', () => {
    const spans = vectorizer.tokens(input);
    expect(spans.map((span) => input.slice(span.start, span.end))).toEqual(['Hello', 'she', 'said', "Don't", '😀', 'Wow', 'İyi', 'ÉCOLE']);
    expect(spans.map((span) => span.token)).toEqual(['hello', 'she', 'said', 'dont', '😀', 'wow', 'İyi', 'École']);
    expect(spans[5]).toEqual({ token: 'wow', id: vectorizer.vocabulary.indexOf('wow'), start: 30, end: 33 });
  });

  it('agrees with encode and stops at sequenceLength', () => {
    const short = TextVectorizer.fromJSON({ ...vectorizer.toJSON(), config: { ...vectorizer.config, sequenceLength: 3 } });
    const spans = short.tokens(input);
    expect(spans.map((span) => span.id)).toEqual([...short.encode(input)]);
    expect(spans.map((span) => span.token)).toEqual(['hello', 'she', 'said']);
  });
});

describe('truncate', () => {
  const corpus = ['one two three four five', 'two three four five', 'three four five', 'four five', 'five'];
  const fit = (truncate?: 'end' | 'start') => TextVectorizer.fit(corpus, { maxTokens: 10, sequenceLength: 3, truncate });
  // five: 5 times, four: 4, three: 3, two: 2, one: 1
  const [five, four, three, two, one] = [2, 3, 4, 5, 6];
  const text = 'One, two; THREE four five!';

  it("'end' (the default) keeps the first tokens, 'start' the last ones", () => {
    expect(fit().vocabulary).toEqual(['', '[UNK]', 'five', 'four', 'three', 'two', 'one']);
    expect(fit().config.truncate).toBe('end');
    expect([...fit().encode(text)]).toEqual([one, two, three]);
    expect([...fit('end').encode(text)]).toEqual([one, two, three]);
    expect([...fit('start').encode(text)]).toEqual([three, four, five]);
  });

  it('pads short texts at the end the same way on both sides', () => {
    for (const short of ['five one', 'two', '', '!!!', 'one two three']) {
      expect([...fit('start').encode(short)], short).toEqual([...fit('end').encode(short)]);
    }
    expect([...fit('start').encode('five one')]).toEqual([five, one, 0]);
  });

  it('encodeInto writes the kept ids at the start of its slot only and returns their count', () => {
    const target = new Int32Array(7).fill(9);
    expect(fit('start').encodeInto(text, target, 2)).toBe(3);
    expect([...target]).toEqual([9, 9, three, four, five, 9, 9]);
    expect(fit('start').encodeInto('four', target, 2)).toBe(1);
    expect([...target]).toEqual([9, 9, four, 0, 0, 9, 9]);
    const batch = fit('start').encodeBatch([text, 'two', 'one two three four']);
    expect([...batch]).toEqual([three, four, five, two, 0, 0, two, three, four]);
  });

  it('tokens() gives the spans of exactly the kept tokens, in order, with offsets into the input', () => {
    const spans = (truncate: 'end' | 'start') => fit(truncate).tokens(text);
    expect(spans('end')).toEqual([
      { token: 'one', id: one, start: 0, end: 3 },
      { token: 'two', id: two, start: 5, end: 8 },
      { token: 'three', id: three, start: 10, end: 15 },
    ]);
    expect(spans('start')).toEqual([
      { token: 'three', id: three, start: 10, end: 15 },
      { token: 'four', id: four, start: 16, end: 20 },
      { token: 'five', id: five, start: 21, end: 25 },
    ]);
    expect(spans('start').map((span) => text.slice(span.start, span.end))).toEqual(['THREE', 'four', 'five']);
  });

  it('keeps the last sequenceLength tokens for every text length', () => {
    const words = ['five', 'one', 'unknown', 'four', 'two', 'three', 'five', 'x', 'four', 'one', 'three'];
    for (let count = 0; count <= words.length; count++) {
      const input = words.slice(0, count).join(' ');
      const kept = words.slice(Math.max(0, count - 3), count);
      const start = fit('start');
      expect(start.tokens(input).map((span) => span.token), input).toEqual(kept);
      const ids = kept.map((word) => Math.max(1, start.vocabulary.indexOf(word)));
      expect([...start.encode(input)], input).toEqual([...ids, 0, 0, 0].slice(0, 3));
    }
  });

  it('survives the JSON round trip, and writes the field only when it is not the default', () => {
    const start = fit('start');
    const json = JSON.parse(JSON.stringify(start)) as TextVectorizerJSON;
    expect(json.config).toEqual({ maxTokens: 10, sequenceLength: 3, stripHtml: false, truncate: 'start' });
    const restored = TextVectorizer.fromJSON(json);
    expect(restored.config.truncate).toBe('start');
    expect([...restored.encode(text)]).toEqual([three, four, five]);
    expect(restored.tokens(text)).toEqual(start.tokens(text));

    expect(Object.keys(fit('end').toJSON().config)).toEqual(['maxTokens', 'sequenceLength', 'stripHtml']);
    expect(TextVectorizer.fromJSON(JSON.parse(JSON.stringify(fit('end')))).config.truncate).toBe('end');
  });

  it("reads a saved config without the field (every artifact from before it) as 'end'", () => {
    const old = TextVectorizer.fromJSON({
      format: 'text-vectorizer',
      version: 1,
      config: { maxTokens: 10, sequenceLength: 3, stripHtml: false },
      vocabulary: ['', '[UNK]', 'five', 'four', 'three', 'two', 'one'],
    });
    expect(old.config.truncate).toBe('end');
    expect([...old.encode(text)]).toEqual([one, two, three]);
  });

  it('refuses another value, naming the field', () => {
    expect(() => TextVectorizer.fit(corpus, { maxTokens: 10, sequenceLength: 3, truncate: 'pre' as never })).toThrow(
      /TextVectorizer\.fit config\.truncate must be 'end' or 'start', got "pre"/,
    );
  });
});

describe('toJSON / fromJSON', () => {
  const vectorizer = TextVectorizer.fit(['Some text, some more text.', 'A <br /> tag'], { maxTokens: 6, sequenceLength: 5, stripHtml: true });
  const good = (): TextVectorizerJSON => JSON.parse(JSON.stringify(vectorizer));

  it('round-trips through JSON text', () => {
    const restored = TextVectorizer.fromJSON(good());
    expect(restored.vocabulary).toEqual(vectorizer.vocabulary);
    expect(restored.config).toEqual({ maxTokens: 6, sequenceLength: 5, stripHtml: true, truncate: 'end' });
    for (const text of ['some TEXT<br/>more', 'tag a tag', 'nothing known']) {
      expect([...restored.encode(text)]).toEqual([...vectorizer.encode(text)]);
    }
  });

  it('hands out copies, so changing the JSON cannot change the vectorizer', () => {
    const json = vectorizer.toJSON();
    json.vocabulary[2] = 'changed';
    json.config.sequenceLength = 1;
    expect(vectorizer.vocabulary[2]).not.toBe('changed');
    expect(vectorizer.encode('some').length).toBe(5);
  });

  it('accepts a vocabulary in the shape of Keras get_vocabulary()', () => {
    const restored = TextVectorizer.fromJSON({
      format: 'text-vectorizer',
      version: 1,
      config: { maxTokens: 6, sequenceLength: 4 },
      vocabulary: ['', '[UNK]', 'earth', 'wind', 'and', 'fire'],
    });
    expect([...restored.encode('Earth, wind & FIRE!')]).toEqual([2, 3, 5, 0]);
  });

  const withConfig = (config: Record<string, unknown>) => ({ ...good(), config: { ...good().config, ...config } });
  const withVocabulary = (...entries: unknown[]) => ({ ...good(), vocabulary: ['', '[UNK]', ...entries] });
  it.each<[string, unknown, RegExp]>([
    ['null', null, /expected an object, got null/],
    ['an array', [], /expected an object, got an array/],
    ['a string', 'vocab', /expected an object, got "vocab"/],
    ['another format', { ...good(), format: 'keras' }, /format must be 'text-vectorizer', got "keras"/],
    ['a newer version', { ...good(), version: 2 }, /unsupported version 2/],
    ['no config', { ...good(), config: undefined }, /config must be an object/],
    ['maxTokens 1', withConfig({ maxTokens: 1 }), /config\.maxTokens must be an integer from 2/],
    ['maxTokens 2.5', withConfig({ maxTokens: 2.5 }), /config\.maxTokens must be an integer/],
    ['maxTokens as a string', withConfig({ maxTokens: '6' }), /config\.maxTokens must be an integer .* got "6"/],
    ['sequenceLength 0', withConfig({ sequenceLength: 0 }), /config\.sequenceLength must be an integer from 1/],
    ['a huge sequenceLength', withConfig({ sequenceLength: 2 ** 30 }), /config\.sequenceLength must be an integer from 1 to 1048576/],
    ['stripHtml "yes"', withConfig({ stripHtml: 'yes' }), /config\.stripHtml must be a boolean/],
    ['truncate "middle"', withConfig({ truncate: 'middle' }), /config\.truncate must be 'end' or 'start', got "middle"/],
    ['truncate true', withConfig({ truncate: true }), /config\.truncate must be 'end' or 'start', got true/],
    ['an unknown config key', withConfig({ lowercase: 'unicode' }), /unknown keys lowercase/],
    ['no vocabulary', { ...good(), vocabulary: undefined }, /vocabulary must be an array of strings/],
    ['special tokens swapped', { ...good(), vocabulary: ['[UNK]', ''] }, /must start with '' .* and '\[UNK\]'/],
    ['more entries than maxTokens', withVocabulary('a', 'b', 'c', 'd', 'e'), /7 entries, more than config\.maxTokens = 6/],
    ['a number entry', withVocabulary(3), /vocabulary\[2\] must be a string, got 3/],
    ['an uppercase entry', withVocabulary('Hello'), /vocabulary\[2\] = "Hello" is not a token/],
    ['an entry with punctuation', withVocabulary("don't"), /vocabulary\[2\] = "don't" is not a token/],
    ['an entry with a space', withVocabulary('a b'), /vocabulary\[2\] = "a b" is not a token/],
    ['an empty entry', withVocabulary('a', ''), /vocabulary\[3\] = "" is not a token/],
    ['a lone surrogate', withVocabulary('\uD800'), /vocabulary\[2\] = .* is not a token/],
    ['a duplicate', withVocabulary('a', 'a'), /vocabulary\[3\] = "a" appears twice/],
  ])('rejects %s', (_, json, message) => {
    expect(() => TextVectorizer.fromJSON(json)).toThrow(message);
  });
});

const IMDB_TRAIN = '/work/shared/data/imdb/train.jsonl.gz';
const hasImdb = existsSync(IMDB_TRAIN);
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasImdb) console.warn(`skipping the IMDB tests: ${IMDB_TRAIN} does not exist`);
else if (!hasNumpy) console.warn('skipping the IMDB comparison with Keras rules in Python: python3 with numpy is not available');

/**
 * Keras' adapt() rules written independently on UTF-8 bytes, as TensorFlow
 * sees them: bytes.lower() is ASCII-only like absl::AsciiStrToLower, the regex
 * is DEFAULT_STRIP_REGEX verbatim, bytes.split() splits on the same six ASCII
 * whitespace bytes, and the ranking is IndexLookup.finalize_state's np.lexsort.
 */
const KERAS_REFERENCE_PY = String.raw`
import collections, gzip, json, re, sys
import numpy as np
path, max_tokens, seq_len, strip_html, n_encode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1', int(sys.argv[5])
STRIP = re.compile(rb'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_` + '`' + String.raw`{|}~\']')
TAG = re.compile(rb'</?[A-Za-z][^<>]*>')
def tokens(text):
    b = text.encode('utf-8')
    if strip_html:
        b = TAG.sub(b' ', b)
    return STRIP.sub(b'', b.lower()).split()
texts = [json.loads(line)['text'] for line in gzip.open(path, 'rt', encoding='utf-8')]
counts = collections.Counter()
for text in texts:
    counts.update(tokens(text))
keys = np.array(list(counts.keys()), dtype=object)
values = np.array(list(counts.values()))
order = np.lexsort((keys, values))[::-1][: max_tokens - 2]
vocab = [b'', b'[UNK]'] + [keys[i] for i in order]
index = {token: i for i, token in enumerate(vocab)}
def pad_post(ids):
    return ids + [0] * (seq_len - len(ids))
sequences = [[index.get(t, 1) for t in tokens(text)] for text in texts[:n_encode]]
# TextVectorization's output_sequence_length, and pad_sequences(truncating='pre', padding='post')
encoded = [pad_post(ids[:seq_len]) for ids in sequences]
encoded_start = [pad_post(ids[-seq_len:]) for ids in sequences]
json.dump({'vocabulary': [t.decode('utf-8') for t in vocab], 'encoded': encoded, 'encodedStart': encoded_start}, sys.stdout)
`;

describe.skipIf(!hasImdb)('IMDB train set (25,000 reviews)', () => {
  const texts = hasImdb
    ? gunzipSync(readFileSync(IMDB_TRAIN))
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { text: string }).text)
    : [];

  // Fitted once per mode and shared by both tests, which keeps the file fast.
  const fitted = new Map<boolean, { vectorizer: TextVectorizer; fitMs: number }>();
  const fit = (stripHtml: boolean) => {
    if (!fitted.has(stripHtml)) {
      const started = performance.now();
      const vectorizer = TextVectorizer.fit(texts, { maxTokens: 10_000, sequenceLength: 100, stripHtml });
      fitted.set(stripHtml, { vectorizer, fitMs: performance.now() - started });
    }
    return fitted.get(stripHtml)!;
  };

  it.each([false, true])('fits a 10,000-token vocabulary (stripHtml %s)', (stripHtml) => {
    const { vectorizer, fitMs } = fit(stripHtml);
    const encodeStarted = performance.now();
    const batch = vectorizer.encodeBatch(texts);
    const encodeUs = ((performance.now() - encodeStarted) / texts.length) * 1000;
    console.log(`IMDB fit (stripHtml ${stripHtml}): ${fitMs.toFixed(0)} ms; encode: ${encodeUs.toFixed(1)} µs per review`);

    expect(texts.length).toBe(25_000);
    expect(vectorizer.vocabulary.length).toBe(10_000);
    expect(vectorizer.vocabulary.slice(0, 6)).toEqual(['', '[UNK]', 'the', 'and', 'a', 'of']);
    expect(new Set(vectorizer.vocabulary).size).toBe(10_000);
    // Keras' well-known IMDB artifact: without tag stripping 'br' is among the most frequent tokens.
    expect(vectorizer.vocabulary.indexOf('br')).toSatisfy((index: number) => (stripHtml ? index === -1 || index > 1000 : index > 1 && index < 20));
    const unknown = batch.reduce((n, id) => n + (id === 1 ? 1 : 0), 0);
    const real = batch.reduce((n, id) => n + (id !== 0 ? 1 : 0), 0);
    expect(unknown / real).toBeLessThan(0.1);
  });

  it.skipIf(!hasNumpy).each([false, true])('matches Keras rules reimplemented in Python on UTF-8 bytes, cut at either side (stripHtml %s)', (stripHtml) => {
    const result = spawnSync('python3', ['-c', KERAS_REFERENCE_PY, IMDB_TRAIN, '10000', '100', stripHtml ? '1' : '0', '500'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.status, result.stderr).toBe(0);
    const reference = JSON.parse(result.stdout) as { vocabulary: string[]; encoded: number[][]; encodedStart: number[][] };
    const { vectorizer } = fit(stripHtml);
    expect(vectorizer.vocabulary).toEqual(reference.vocabulary);
    expect([...vectorizer.encodeBatch(texts.slice(0, 500))]).toEqual(reference.encoded.flat());
    const json = vectorizer.toJSON();
    const keepingLast = TextVectorizer.fromJSON({ ...json, config: { ...json.config, truncate: 'start' } });
    expect(reference.encodedStart).not.toEqual(reference.encoded); // most reviews are longer than 100 tokens
    expect([...keepingLast.encodeBatch(texts.slice(0, 500))]).toEqual(reference.encodedStart.flat());
  });
});
