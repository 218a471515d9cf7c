import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAclImdbFolder, readAclImdbTarball } from '../../training/data/acl-imdb';
import { csvRecords, readCsv } from '../../training/data/csv';
import { defaultCacheDir, downloadToCache } from '../../training/data/download';
import { readJsonl } from '../../training/data/jsonl';
import { collectLabels, encodeLabels } from '../../training/data/labels';
import { loadDataset } from '../../training/data/load-dataset';
import { splitValidation } from '../../training/data/splits';

let workDir: string;
let fixtureCount = 0;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'bilstm-data-test-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A fresh folder for one test, inside the temporary work folder. */
async function freshDir(): Promise<string> {
  const dir = join(workDir, `case-${++fixtureCount}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function writeFixture(name: string, content: string | Buffer): Promise<string> {
  const file = join(await freshDir(), name);
  await writeFile(file, content);
  return file;
}

const sha256Of = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

const jsonLines = (records: unknown[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';

describe('readJsonl', () => {
  it('reads texts and labels, turning numeric labels into strings and naming the source line', async () => {
    const content = jsonLines([{ text: 'A fine film.', label: 1 }, { text: 'Dull.', label: 0 }]) + '\n' + jsonLines([{ text: 'Odd.', label: 'other' }]);
    const file = await writeFixture('plain.jsonl', content);
    const loaded = await readJsonl(file);
    expect(loaded.examples).toEqual([
      { text: 'A fine film.', label: '1', source: `${file}:1` },
      { text: 'Dull.', label: '0', source: `${file}:2` },
      { text: 'Odd.', label: 'other', source: `${file}:4` },
    ]);
    expect(loaded.skipped).toEqual({ count: 0, reasons: [] });
    expect(loaded.sha256).toBe(sha256Of(content));
  });

  it('gunzips by the magic bytes, not the name, and hashes the stored bytes', async () => {
    const content = jsonLines([{ text: 'Zipped review', label: 'pos' }]);
    const gzipped = gzipSync(content);
    const misnamed = await writeFixture('actually-gzip.jsonl', gzipped);
    const loaded = await readJsonl(misnamed);
    expect(loaded.examples.map(({ text, label }) => ({ text, label }))).toEqual([{ text: 'Zipped review', label: 'pos' }]);
    expect(loaded.sha256).toBe(sha256Of(gzipped));

    const plainNamedGz = await writeFixture('plain.jsonl.gz', content);
    expect((await readJsonl(plainNamedGz)).examples[0].text).toBe('Zipped review');
  });

  it('reads Windows line ends and keeps non-ASCII text intact across chunk boundaries', async () => {
    const long = 'é'.repeat(70_000) + ' \u0096 ok';
    const file = await writeFixture('crlf.jsonl', `{"text": "${long}", "label": "pos"}\r\n{"text": "b", "label": "neg"}\r\n`);
    const { examples } = await readJsonl(file);
    expect(examples.map((example) => example.text)).toEqual([long, 'b']);
  });

  it('uses the configured field names', async () => {
    const file = await writeFixture('fields.jsonl', jsonLines([{ review: 'Great', sentiment: 'positive', id: 3 }]));
    const { examples } = await readJsonl(file, { textField: 'review', labelField: 'sentiment' });
    expect(examples.map(({ text, label }) => [text, label])).toEqual([['Great', 'positive']]);
  });

  it('stops at a malformed row with the file, the line and what was expected', async () => {
    const file = await writeFixture('bad.jsonl', jsonLines([{ text: 'ok', label: 1 }, { text: 'ok', label: 0 }]) + '{"text": "cut off\n');
    await expect(readJsonl(file)).rejects.toThrow(
      new RegExp(`^${escape(file)}:3: expected a JSON object with a string field "text" \\(not valid JSON: `),
    );
  });

  it('says which fields a row has when the text field is missing, and rejects a label that is neither string nor number', async () => {
    const wrongName = await writeFixture('wrong-name.jsonl', jsonLines([{ review: 'x', label: 1 }]));
    await expect(readJsonl(wrongName)).rejects.toThrow(
      `${wrongName}:1: expected a JSON object with a string field "text" (found fields: "review", "label")`,
    );
    const badLabel = await writeFixture('bad-label.jsonl', jsonLines([{ text: 'x', label: true }]));
    await expect(readJsonl(badLabel)).rejects.toThrow(
      `${badLabel}:1: expected a field "label" holding a string or a number ("label" is a boolean)`,
    );
    const notObject = await writeFixture('array.jsonl', '["x", 1]\n');
    await expect(readJsonl(notObject)).rejects.toThrow(`${notObject}:1: expected a JSON object with a string field "text" (found an array)`);
  });

  it('with skipBadRows, counts bad rows and keeps the first five reasons', async () => {
    const rows = [
      JSON.stringify({ text: 'good one', label: 1 }),
      ...Array.from({ length: 7 }, (_, i) => (i % 2 === 0 ? `not json ${i}` : JSON.stringify({ text: '   ', label: 0 }))),
      JSON.stringify({ text: 'good two', label: 0 }),
    ];
    const file = await writeFixture('mixed.jsonl', rows.join('\n'));
    const { examples, skipped } = await readJsonl(file, { skipBadRows: true });
    expect(examples.map((example) => example.text)).toEqual(['good one', 'good two']);
    expect(skipped.count).toBe(7);
    expect(skipped.reasons).toHaveLength(5);
    expect(skipped.reasons[0]).toMatch(new RegExp(`^${escape(file)}:2: expected a JSON object`));
    expect(skipped.reasons[1]).toBe(`${file}:3: the text is empty`);
  });

  it('names the file when the gzip data is corrupt or truncated, even with skipBadRows', async () => {
    const corrupt = await writeFixture('corrupt.jsonl.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(40, 0xab)]));
    await expect(readJsonl(corrupt, { skipBadRows: true })).rejects.toThrow(
      new RegExp(`^${escape(corrupt)}: the gzip data is corrupt or truncated`),
    );
    const whole = gzipSync(jsonLines(Array.from({ length: 200 }, (_, i) => ({ text: `review ${i} ${'x'.repeat(i)}`, label: i % 2 }))));
    const truncated = await writeFixture('truncated.jsonl.gz', whole.subarray(0, whole.length >> 1));
    await expect(readJsonl(truncated)).rejects.toThrow(new RegExp(`^${escape(truncated)}: the gzip data is corrupt or truncated`));
  });
});

describe('csvRecords', () => {
  const records = async (lines: string[], delimiter = ',') => {
    const all = [];
    for await (const record of csvRecords(lines, delimiter)) all.push(record);
    return all;
  };

  it('follows RFC 4180: quoted delimiters, doubled quotes, line breaks inside quotes, empty fields', async () => {
    expect(
      await records(['text,label', '"Hello, world",1', '"She said ""no""",0', '"two', 'lines, here",1', '"",', 'a,"b"']),
    ).toEqual([
      { line: 1, fields: ['text', 'label'] },
      { line: 2, fields: ['Hello, world', '1'] },
      { line: 3, fields: ['She said "no"', '0'] },
      { line: 4, fields: ['two\nlines, here', '1'] },
      { line: 6, fields: ['', ''] },
      { line: 7, fields: ['a', 'b'] },
    ]);
  });

  it('skips blank lines, keeps a quote inside an unquoted field, and splits TSV on tabs', async () => {
    expect(await records(['a\tb', '', '5" tall\t"x\ty"'], '\t')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['5" tall', 'x\ty'] },
    ]);
  });

  it('reports text after a closing quote and a quote never closed, with the line the record starts on', async () => {
    expect(await records(['"ab"c,1', 'ok,2', '"open', 'and never closed,3'])).toEqual([
      { line: 1, problem: 'unexpected "c" after the closing quote of field 1' },
      { line: 2, fields: ['ok', '2'] },
      { line: 3, problem: 'the quoted field 1 is not closed before the end of the file' },
    ]);
  });

  it('reads back any table written with RFC 4180 quoting', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', '\t', 'é') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }), async (rows) => {
        // Every field quoted, as a conforming writer may do; this side is written independently of the parser.
        const text = rows.map((row) => row.map((value) => `"${value.replaceAll('"', '""')}"`).join(',')).join('\n');
        const parsed = await records(text.split('\n'));
        expect(parsed.map((record) => ('fields' in record ? record.fields : record))).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});

describe('readCsv', () => {
  const csv = [
    '\uFEFFid,review,sentiment',
    '1,"Loved it, truly",pos',
    '2,"The ""best"" worst film",neg',
    '3,"Line one',
    'line two", pos ',
    '4,too,many,fields',
    '5,,neg',
    '6,"Fine",neg',
  ].join('\r\n');

  it('picks the text and label columns by name, trims labels and keeps multi-line texts', async () => {
    const file = await writeFixture('reviews.csv', csv.replace('4,too,many,fields\r\n', '').replace('5,,neg\r\n', ''));
    const { examples } = await readCsv(file, { textField: 'review', labelField: 'sentiment' });
    expect(examples).toEqual([
      { text: 'Loved it, truly', label: 'pos', source: `${file}:2` },
      { text: 'The "best" worst film', label: 'neg', source: `${file}:3` },
      { text: 'Line one\nline two', label: 'pos', source: `${file}:4` },
      { text: 'Fine', label: 'neg', source: `${file}:6` },
    ]);
  });

  it('stops at a row with the wrong number of fields, naming its line', async () => {
    const file = await writeFixture('bad.csv', csv);
    await expect(readCsv(file, { textField: 'review', labelField: 'sentiment' })).rejects.toThrow(
      `${file}:6: expected 3 fields as in the header, found 4`,
    );
  });

  it('with skipBadRows, skips and counts the bad rows', async () => {
    const file = await writeFixture('bad.csv', csv);
    const { examples, skipped } = await readCsv(file, { textField: 'review', labelField: 'sentiment', skipBadRows: true });
    expect(examples.map((example) => example.source)).toEqual([2, 3, 4, 8].map((line) => `${file}:${line}`));
    expect(skipped).toEqual({
      count: 2,
      reasons: [`${file}:6: expected 3 fields as in the header, found 4`, `${file}:7: the text is empty`],
    });
  });

  it('names the columns it found when a requested column is missing, and rejects an empty file', async () => {
    const file = await writeFixture('reviews.csv', csv);
    await expect(readCsv(file)).rejects.toThrow(`${file}:1: no column "text" in the header (columns: "id", "review", "sentiment")`);
    const empty = await writeFixture('empty.csv', '\n\n');
    await expect(readCsv(empty)).rejects.toThrow(`${empty}: the file is empty; expected a header row`);
  });

  it('reads TSV through loadDataset, guessing the delimiter from the name', async () => {
    const file = await writeFixture('train.tsv', 'label\ttext\n0\t"tab\there"\n1\tplain "quoted" word\n');
    const dataset = await loadDataset(file);
    expect(dataset.format).toBe('tsv');
    expect(dataset.train.map(({ text, label }) => [text, label])).toEqual([
      ['tab\there', '0'],
      ['plain "quoted" word', '1'],
    ]);
  });
});

/** A tiny aclImdb tree: ids out of order on purpose, a multi-digit id, padding whitespace and non-ASCII text. */
const REVIEWS: Record<string, string> = {
  'train/pos/0_9.txt': 'Bromwell High is a cartoon comedy.\n',
  'train/pos/10_8.txt': 'Ten is after two.',
  'train/pos/2_10.txt': '  Café \u0096 crème.  ',
  'train/pos/1_7.txt': 'Pos one.',
  'train/neg/1_3.txt': 'Neg one.',
  'train/neg/0_1.txt': 'Neg zero.',
  'train/neg/2_2.txt': 'Neg two.',
  'test/pos/0_7.txt': 'Test pos zero.',
  'test/neg/1_4.txt': 'Test neg one.',
  'test/neg/0_2.txt': 'Once again Mr. Costner...',
  'train/unsup/0_0.txt': 'Unlabelled, must be ignored.',
  'train/labeledBow.feat': '0 0:1\n',
  'README': 'Large Movie Review Dataset',
};

const EXPECTED_TRAIN = [
  ['train/neg/0_1.txt', 'Neg zero.', 'neg'],
  ['train/pos/0_9.txt', 'Bromwell High is a cartoon comedy.', 'pos'],
  ['train/neg/1_3.txt', 'Neg one.', 'neg'],
  ['train/pos/1_7.txt', 'Pos one.', 'pos'],
  ['train/neg/2_2.txt', 'Neg two.', 'neg'],
  ['train/pos/2_10.txt', 'Café \u0096 crème.', 'pos'],
  ['train/pos/10_8.txt', 'Ten is after two.', 'pos'],
];
const EXPECTED_TEST = [
  ['test/neg/0_2.txt', 'Once again Mr. Costner...', 'neg'],
  ['test/pos/0_7.txt', 'Test pos zero.', 'pos'],
  ['test/neg/1_4.txt', 'Test neg one.', 'neg'],
];

async function makeAclImdbTree(parent: string, reviews: Record<string, string> = REVIEWS): Promise<string> {
  const root = join(parent, 'aclImdb');
  for (const [path, text] of Object.entries(reviews)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

async function makeTarball(parent: string, file: string, gzip = true): Promise<string> {
  const tarball = join(parent, file);
  await createTar({ gzip, file: tarball, cwd: parent, portable: true }, ['aclImdb']);
  return tarball;
}

const asRows = (examples: { text: string; label: string }[]) => examples.map(({ text, label }) => [text, label]);
const withoutPath = (expected: string[][]) => expected.map(([, text, label]) => [text, label]);

describe('aclImdb', () => {
  let parent: string;
  let root: string;
  let tarball: string;

  beforeAll(async () => {
    parent = await freshDir();
    root = await makeAclImdbTree(parent);
    tarball = await makeTarball(parent, 'aclImdb_v1.tar.gz');
  });

  it('reads the folder layout sorted by numeric id then label, trimmed, ignoring unsup', async () => {
    const { train, test, skipped, sha256 } = await readAclImdbFolder(root);
    expect(train.map(({ text, label, source }) => [source, text, label])).toEqual(
      EXPECTED_TRAIN.map(([path, text, label]) => [join(root, path), text, label]),
    );
    expect(asRows(test)).toEqual(withoutPath(EXPECTED_TEST));
    expect(skipped.count).toBe(0);
    // Independent of the loader: sha256sum-style lines of the labelled reviews, sorted by path.
    const manifest = [...EXPECTED_TRAIN, ...EXPECTED_TEST]
      .map(([path]) => path)
      .sort()
      .map((path) => `${sha256Of(REVIEWS[path])}  ${path}\n`)
      .join('');
    expect(sha256).toBe(sha256Of(manifest));
  });

  it('streams the tarball to the same examples as the folder, with the sha256 of the tarball', async () => {
    const fromTarball = await readAclImdbTarball(tarball);
    expect(asRows(fromTarball.train)).toEqual(withoutPath(EXPECTED_TRAIN));
    expect(asRows(fromTarball.test)).toEqual(withoutPath(EXPECTED_TEST));
    expect(fromTarball.train[0].source).toBe(`${tarball}:aclImdb/train/neg/0_1.txt`);
    expect(fromTarball.sha256).toBe(sha256Of(await readFile(tarball)));
    expect(await readdir(parent)).toEqual(['aclImdb', 'aclImdb_v1.tar.gz']);
  });

  it('reads an uncompressed tarball too', async () => {
    const plain = await makeTarball(await freshTree(), 'aclImdb.tar', false);
    expect(asRows((await readAclImdbTarball(plain)).train)).toEqual(withoutPath(EXPECTED_TRAIN));
  });

  it('names the tarball when it is truncated, gzipped or not', async () => {
    const bytes = await readFile(tarball);
    const truncated = await writeFixture('aclImdb_v1.tar.gz', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(readAclImdbTarball(truncated)).rejects.toThrow(
      new RegExp(`^${escape(truncated)}: the tarball is truncated or corrupt`),
    );
    const plainBytes = await readFile(await makeTarball(await freshTree(), 'aclImdb.tar', false));
    // Cut inside the data of one review, and cut exactly between two entries, which the tar parser alone accepts.
    const reviewStart = plainBytes.indexOf(Buffer.from('Neg zero.'));
    expect(reviewStart).toBeGreaterThan(0);
    for (const cut of [reviewStart + 3, reviewStart + 512]) {
      const truncatedPlain = await writeFixture('aclImdb.tar', plainBytes.subarray(0, cut));
      await expect(readAclImdbTarball(truncatedPlain)).rejects.toThrow(
        new RegExp(`^${escape(truncatedPlain)}: the tarball is truncated or corrupt`),
      );
    }
  });

  it('rejects a file that is not a tarball, and a folder missing one of the four label folders', async () => {
    const notTar = await writeFixture('reviews.tar.gz', gzipSync('just some text, not a tar archive at all'));
    await expect(readAclImdbTarball(notTar)).rejects.toThrow(new RegExp(`^${escape(notTar)}: the tarball is truncated or corrupt`));
    const partialParent = await freshDir();
    const { 'test/neg/1_4.txt': _a, 'test/neg/0_2.txt': _b, ...withoutTestNeg } = REVIEWS;
    const partialRoot = await makeAclImdbTree(partialParent, withoutTestNeg);
    await expect(readAclImdbFolder(partialRoot)).rejects.toThrow(
      `${partialRoot}: not an aclImdb folder: ${join(partialRoot, 'test/neg')} is missing`,
    );
  });

  it('rejects an empty review unless bad rows are skipped', async () => {
    const emptyRoot = await makeAclImdbTree(await freshDir(), { ...REVIEWS, 'train/neg/3_1.txt': ' \n' });
    await expect(readAclImdbFolder(emptyRoot)).rejects.toThrow(`${join(emptyRoot, 'train/neg/3_1.txt')}: the text is empty`);
    const { train, skipped } = await readAclImdbFolder(emptyRoot, { skipBadRows: true });
    expect(train).toHaveLength(EXPECTED_TRAIN.length);
    expect(skipped.count).toBe(1);
  });

  /** A parent folder holding only a fresh aclImdb tree, so each tarball is made from a clean folder. */
  async function freshTree(): Promise<string> {
    const folder = await freshDir();
    await makeAclImdbTree(folder);
    return folder;
  }
});

describe('loadDataset', () => {
  it('recognises an aclImdb folder, its parent folder and its tarball', async () => {
    const parent = await freshDir();
    const root = await makeAclImdbTree(parent);
    const tarball = await makeTarball(parent, 'aclImdb_v1.tar.gz');
    for (const source of [root, parent, tarball]) {
      const dataset = await loadDataset(source);
      expect(dataset.format).toBe('aclimdb');
      expect(asRows(dataset.train)).toEqual(withoutPath(EXPECTED_TRAIN));
      expect(asRows(dataset.test!)).toEqual(withoutPath(EXPECTED_TEST));
      expect(dataset.validation).toBeUndefined();
    }
  });

  it('reads train/validation/test JSONL files of a folder, plain or gzipped', async () => {
    const folder = await freshDir();
    const train = gzipSync(jsonLines([{ text: 'a', label: 0 }, { text: 'b', label: 1 }]));
    const validation = jsonLines([{ text: 'c', label: 1 }]);
    await writeFile(join(folder, 'train.jsonl.gz'), train);
    await writeFile(join(folder, 'validation.jsonl'), validation);
    await writeFile(join(folder, 'notes.jsonl'), 'ignored');
    const dataset = await loadDataset(folder);
    expect(dataset.format).toBe('jsonl');
    expect(asRows(dataset.train)).toEqual([['a', '0'], ['b', '1']]);
    expect(asRows(dataset.validation!)).toEqual([['c', '1']]);
    expect(dataset.test).toBeUndefined();
    const manifest = `${sha256Of(train)}  train.jsonl.gz\n${sha256Of(validation)}  validation.jsonl\n`;
    expect(dataset.sha256).toBe(sha256Of(manifest));
  });

  it('takes a single file as the training split, with the sha256 of its bytes', async () => {
    const content = 'text,label\nhello,1\nbye,0\n';
    const file = await writeFixture('all.csv', content);
    const dataset = await loadDataset(file);
    expect(dataset).toMatchObject({ format: 'csv', sha256: sha256Of(content) });
    expect(asRows(dataset.train)).toEqual([['hello', '1'], ['bye', '0']]);
  });

  it('lets the format, field names and skipBadRows be chosen', async () => {
    const file = await writeFixture('data.txt', jsonLines([{ body: 'x', y: 'spam' }]) + 'oops\n');
    await expect(loadDataset(file)).rejects.toThrow(`${file}: cannot tell the format from the name`);
    const dataset = await loadDataset(file, { format: 'jsonl', textField: 'body', labelField: 'y', skipBadRows: true });
    expect(asRows(dataset.train)).toEqual([['x', 'spam']]);
    expect(dataset.skipped.count).toBe(1);
    expect(dataset.skipped.reasons[0]).toMatch(new RegExp(`^${escape(file)}:2: `));
  });

  it('explains what it looked for when a path has no usable data', async () => {
    const missing = join(workDir, 'nowhere');
    await expect(loadDataset(missing)).rejects.toThrow(`${missing}: no such file or folder`);
    const folder = await freshDir();
    await writeFile(join(folder, 'test.jsonl'), jsonLines([{ text: 'a', label: 0 }]));
    await expect(loadDataset(folder)).rejects.toThrow(
      `${folder}: no training data; expected train.jsonl, train.jsonl.gz, train.csv, train.csv.gz, train.tsv, train.tsv.gz or an aclImdb train/pos folder (found: test.jsonl)`,
    );
    await writeFile(join(folder, 'train.jsonl'), jsonLines([{ text: 'a', label: 0 }]));
    await writeFile(join(folder, 'train.csv'), 'text,label\na,0\n');
    await expect(loadDataset(folder)).rejects.toThrow(`${folder}: more than one train file (train.jsonl, train.csv)`);
  });

  const IMDB = '/work/shared/data/imdb';
  const imdbPresent = existsSync(join(IMDB, 'train.jsonl.gz')) && existsSync(join(IMDB, 'test.jsonl.gz'));
  it.skipIf(!imdbPresent)(`loads the staged IMDB data: 25000/25000, balanced${imdbPresent ? '' : ` (skipped: ${IMDB} is absent)`}`, async () => {
    const dataset = await loadDataset(IMDB);
    expect(dataset.train).toHaveLength(25_000);
    expect(dataset.test).toHaveLength(25_000);
    for (const split of [dataset.train, dataset.test!]) {
      const labels = collectLabels(split);
      expect(labels).toEqual(['0', '1']);
      expect(Array.from(encodeLabels(split, labels)).filter((id) => id === 1)).toHaveLength(12_500);
    }
    // Provenance: the first line of train is negative review id 0; positive review 0 is "Bromwell High..."
    expect(dataset.train[1].text.startsWith('Bromwell High is a cartoon comedy')).toBe(true);
    expect(dataset.skipped.count).toBe(0);
  });
});

describe('splitValidation', () => {
  const examples = [
    ...Array.from({ length: 50 }, (_, i) => ({ text: `p${i}`, label: 'pos' })),
    ...Array.from({ length: 30 }, (_, i) => ({ text: `n${i}`, label: 'neg' })),
  ];

  it('sets aside the same share of every label, partitioning the input', () => {
    const before = JSON.stringify(examples);
    const { train, validation } = splitValidation(examples, { seed: 1 });
    const count = (part: typeof examples, label: string) => part.filter((example) => example.label === label).length;
    expect([count(validation, 'pos'), count(validation, 'neg')]).toEqual([10, 6]);
    expect([count(train, 'pos'), count(train, 'neg')]).toEqual([40, 24]);
    expect([...train, ...validation].map((example) => example.text).sort()).toEqual(examples.map((example) => example.text).sort());
    expect(JSON.stringify(examples)).toBe(before);
  });

  it('is repeatable for a seed, differs between seeds, and shuffles both parts', () => {
    const first = splitValidation(examples, { seed: 5, fraction: 0.25 });
    expect(splitValidation(examples, { seed: 5, fraction: 0.25 })).toEqual(first);
    expect(splitValidation(examples, { seed: 6, fraction: 0.25 }).validation).not.toEqual(first.validation);
    // Not grouped by label: some positive follows some negative in the training part.
    const labels = first.train.map((example) => example.label).join(',');
    expect(labels).toMatch(/neg.*pos/);
    expect(labels).toMatch(/pos.*neg/);
  });

  it('without stratification takes round(total × fraction) examples', () => {
    expect(splitValidation(examples, { seed: 3, fraction: 0.1, stratify: false }).validation).toHaveLength(8);
  });

  it('rejects a fraction outside (0, 1) and a split that leaves a part empty', () => {
    expect(() => splitValidation(examples, { seed: 1, fraction: 1 })).toThrow(/between 0 and 1/);
    expect(() => splitValidation(examples, { seed: 1, fraction: 0 })).toThrow(/between 0 and 1/);
    expect(() => splitValidation(examples.slice(0, 2), { seed: 1, fraction: 0.2 })).toThrow(
      'a validation fraction of 0.2 of 2 examples leaves the validation set empty',
    );
  });
});

describe('labels', () => {
  const labelled = (...labels: string[]) => labels.map((label, i) => ({ label, source: `f.jsonl:${i + 1}` }));

  it('sorts numeric labels by value and other labels by code unit, independent of input order', () => {
    expect(collectLabels(labelled('10', '2', '0', '2'))).toEqual(['0', '2', '10']);
    expect(collectLabels(labelled('-1', '1', '0.5'))).toEqual(['-1', '0.5', '1']);
    expect(collectLabels(labelled('pos', 'neg', 'Neutral'))).toEqual(['Neutral', 'neg', 'pos']);
    expect(collectLabels(labelled('b', '1', 'a'))).toEqual(['1', 'a', 'b']);
  });

  it('refuses an empty data set or a single class before training', () => {
    expect(() => collectLabels([])).toThrow('there are no training examples');
    expect(() => collectLabels(labelled('1', '1', '1'))).toThrow(
      'all 3 training examples have the label "1"; a classifier needs at least two labels',
    );
  });

  it('encodes labels as ids, naming the source of a label the training data lacks', () => {
    const labels = collectLabels(labelled('pos', 'neg'));
    expect(Array.from(encodeLabels(labelled('neg', 'pos', 'pos'), labels))).toEqual([0, 1, 1]);
    expect(() => encodeLabels(labelled('neg', 'neutral'), labels)).toThrow(
      'f.jsonl:2: the label "neutral" is not among the training labels ("neg", "pos")',
    );
  });
});

describe('downloadToCache', () => {
  let payload: Buffer;
  let payloadSha: string;

  beforeAll(async () => {
    // A real aclImdb tarball, padded with many reviews so that dropping "midway" leaves a real partial file.
    const parent = await freshDir();
    const reviews: Record<string, string> = { ...REVIEWS };
    for (let i = 3; i < 300; i++) reviews[`train/neg/${i}_2.txt`] = `Review ${i}: ${sha256Of(String(i)).repeat(8)}`;
    await makeAclImdbTree(parent, reviews);
    payload = await readFile(await makeTarball(parent, 'aclImdb_v1.tar.gz'));
    payloadSha = sha256Of(payload);
  });

  interface Served {
    url: string;
    requests: (string | undefined)[];
    close(): Promise<void>;
  }

  /**
   * Serves `payload` on 127.0.0.1, honouring `Range: bytes=N-`. `dropFirstAfter` cuts the first response
   * after that many bytes; `ignoreRange` answers every request with the whole file.
   */
  async function serve(options: { dropFirstAfter?: number; ignoreRange?: boolean; status?: number } = {}): Promise<Served> {
    const requests: (string | undefined)[] = [];
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      requests.push(request.headers.range);
      if (options.status) {
        response.writeHead(options.status).end('nope');
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      const start = range && !options.ignoreRange ? Number(range[1]) : 0;
      if (start >= payload.length) {
        response.writeHead(416, { 'content-range': `bytes */${payload.length}` }).end();
        return;
      }
      const headers: Record<string, string | number> = { 'content-length': payload.length - start };
      if (start > 0) headers['content-range'] = `bytes ${start}-${payload.length - 1}/${payload.length}`;
      response.writeHead(start > 0 ? 206 : 200, headers);
      if (options.dropFirstAfter !== undefined && requests.length === 1) {
        response.write(payload.subarray(0, options.dropFirstAfter), () => response.socket?.destroy());
      } else {
        response.end(payload.subarray(start));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/aclImdb_v1.tar.gz`,
      requests,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it('downloads, checks the sha256, reports progress and reuses the cached file', async () => {
    const server = await serve();
    const cacheDir = join(await freshDir(), 'cache');
    const progress: [number, number | undefined][] = [];
    try {
      const file = await downloadToCache({
        url: server.url,
        sha256: payloadSha,
        cacheDir,
        onProgress: (bytes, total) => progress.push([bytes, total]),
      });
      expect(file).toBe(join(cacheDir, 'aclImdb_v1.tar.gz'));
      expect(sha256Of(await readFile(file))).toBe(payloadSha);
      expect(await readdir(cacheDir)).toEqual(['aclImdb_v1.tar.gz']);
      expect(progress[0]).toEqual([0, payload.length]);
      expect(progress.at(-1)).toEqual([payload.length, payload.length]);
      expect(progress.every(([bytes], i) => i === 0 || bytes >= progress[i - 1][0])).toBe(true);
      expect(server.requests).toEqual([undefined]);

      expect(await downloadToCache({ url: server.url, sha256: payloadSha, cacheDir })).toBe(file);
      expect(server.requests).toHaveLength(1);
      expect(asRows((await loadDataset(file)).train).slice(0, 2)).toEqual(withoutPath(EXPECTED_TRAIN).slice(0, 2));
    } finally {
      await server.close();
    }
  });

  it('deletes a download whose sha256 differs and says so, naming --data', async () => {
    const server = await serve();
    const cacheDir = await freshDir();
    const wrong = '0'.repeat(64);
    try {
      await expect(downloadToCache({ url: server.url, sha256: wrong, cacheDir })).rejects.toThrow(
        `downloaded ${server.url} but its sha256 is ${payloadSha}, not ${wrong}, so it was deleted; try again, or pass a local copy with --data <path>`,
      );
      expect(await readdir(cacheDir)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('resumes with a Range request when the connection drops midway', async () => {
    const half = payload.length >> 1;
    const server = await serve({ dropFirstAfter: half });
    const cacheDir = await freshDir();
    const progress: number[] = [];
    try {
      const file = await downloadToCache({
        url: server.url,
        sha256: payloadSha,
        cacheDir,
        onProgress: (bytes) => progress.push(bytes),
      });
      expect(server.requests).toEqual([undefined, `bytes=${half}-`]);
      expect(sha256Of(await readFile(file))).toBe(payloadSha);
      // The count carries on from where the first request stopped instead of going back to 0.
      expect(progress).toContain(half);
      expect(progress.every((bytes, i) => i === 0 || bytes >= progress[i - 1])).toBe(true);
      expect(progress.at(-1)).toBe(payload.length);
    } finally {
      await server.close();
    }
  });

  it('keeps the partial file for a later run when every attempt drops, then resumes it', async () => {
    const half = payload.length >> 1;
    const server = await serve({ dropFirstAfter: half });
    const cacheDir = await freshDir();
    try {
      await expect(downloadToCache({ url: server.url, sha256: payloadSha, cacheDir, attempts: 1 })).rejects.toThrow(
        /connection dropped after .* run again to resume, or pass a local copy with --data <path>/,
      );
      expect((await stat(join(cacheDir, 'aclImdb_v1.tar.gz.part'))).size).toBe(half);
      const file = await downloadToCache({ url: server.url, sha256: payloadSha, cacheDir, attempts: 1 });
      expect(server.requests).toEqual([undefined, `bytes=${half}-`]);
      expect(sha256Of(await readFile(file))).toBe(payloadSha);
      expect(await readdir(cacheDir)).toEqual(['aclImdb_v1.tar.gz']);
    } finally {
      await server.close();
    }
  });

  it('starts over when the server ignores Range, and finishes a part file that is already complete', async () => {
    const ignoring = await serve({ ignoreRange: true });
    const cacheDir = await freshDir();
    const part = join(cacheDir, 'aclImdb_v1.tar.gz.part');
    try {
      await writeFile(part, payload.subarray(0, 100));
      const file = await downloadToCache({ url: ignoring.url, sha256: payloadSha, cacheDir });
      expect(ignoring.requests).toEqual(['bytes=100-']);
      expect(sha256Of(await readFile(file))).toBe(payloadSha);
    } finally {
      await ignoring.close();
    }
    const server = await serve();
    const otherCache = await freshDir();
    try {
      await writeFile(join(otherCache, 'aclImdb_v1.tar.gz.part'), payload);
      const file = await downloadToCache({ url: server.url, sha256: payloadSha, cacheDir: otherCache });
      expect(server.requests).toEqual([`bytes=${payload.length}-`]);
      expect(sha256Of(await readFile(file))).toBe(payloadSha);
    } finally {
      await server.close();
    }
  });

  it('fails at once, naming --data, when nothing listens or the server answers with an error', async () => {
    const closed = await serve();
    await closed.close();
    const started = performance.now();
    await expect(downloadToCache({ url: closed.url, sha256: payloadSha, cacheDir: await freshDir() })).rejects.toThrow(
      new RegExp(`^could not download ${escape(closed.url)} \\(connect ECONNREFUSED .*\\); pass a local copy with --data <path>$`),
    );
    expect(performance.now() - started).toBeLessThan(2000);

    const missing = await serve({ status: 404 });
    try {
      await expect(downloadToCache({ url: missing.url, sha256: payloadSha, cacheDir: await freshDir() })).rejects.toThrow(
        `could not download ${missing.url}: HTTP 404 Not Found; pass a local copy with --data <path>`,
      );
    } finally {
      await missing.close();
    }
  });

  it('puts the cache under $XDG_CACHE_HOME when it is absolute, else under ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/u')).toBe('/var/cache/me/bilstm-edge');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.cache/bilstm-edge');
    expect(defaultCacheDir({}, '/home/u')).toBe('/home/u/.cache/bilstm-edge');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
