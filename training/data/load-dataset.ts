import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readAclImdbFolder, readAclImdbTarball } from './acl-imdb';
import { readCsv } from './csv';
import { manifestSha256 } from './digest';
import {
  type BadRowOptions,
  DataFormatError,
  type Example,
  type LoadedExamples,
  mergeSkipped,
  type SkippedRows,
} from './examples';
import { type FieldOptions, readJsonl } from './jsonl';

/** How the examples are stored. `aclimdb` is the IMDB folder layout or its tarball. */
export type DatasetFormat = 'aclimdb' | 'jsonl' | 'csv' | 'tsv';

export interface LoadDatasetOptions extends FieldOptions, BadRowOptions {
  /** Read the input as this format instead of guessing it from the path. */
  format?: DatasetFormat;
}

export interface Dataset {
  train: Example[];
  validation?: Example[];
  test?: Example[];
  /** The format that was read. */
  format: DatasetFormat;
  /** Of the input file, or for a folder of the files read from it (see `manifestSha256`). */
  sha256: string;
  /** Rows left out under `skipBadRows`, over all splits. */
  skipped: SkippedRows;
}

type TableFormat = Exclude<DatasetFormat, 'aclimdb'>;
type SplitName = 'train' | 'validation' | 'test';

const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];
const TABLE_EXTENSIONS: Record<TableFormat, readonly string[]> = {
  jsonl: ['.jsonl', '.jsonl.gz'],
  csv: ['.csv', '.csv.gz'],
  tsv: ['.tsv', '.tsv.gz'],
};

/**
 * Loads a labelled data set from a path, recognising its layout:
 *
 * - a folder with `train/pos` (or `aclImdb/train/pos`): the aclImdb layout;
 * - a `.tar.gz`, `.tgz` or `.tar` file: the aclImdb tarball;
 * - a folder with `train.jsonl[.gz]` and maybe `validation.*` and `test.*`
 *   (CSV and TSV files work too): one split per file;
 * - a single `.jsonl[.gz]`, `.csv[.gz]` or `.tsv[.gz]` file: the training split.
 *
 * @throws DataFormatError when the path is missing or its layout is not one of
 *   these, and for bad content as the readers of each format do
 *
 * @example
 * ```ts
 * const { train, test, sha256 } = await loadDataset('/work/shared/data/imdb');
 * const reviews = await loadDataset('reviews.csv', { textField: 'review', labelField: 'sentiment' });
 * ```
 */
export async function loadDataset(source: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const stats = await stat(source).catch(() => undefined);
  if (stats === undefined) {
    throw new DataFormatError(`${source}: no such file or folder`);
  }
  return stats.isDirectory() ? loadFolder(source, options) : loadFile(source, options);
}

async function loadFile(file: string, options: LoadDatasetOptions): Promise<Dataset> {
  const format = options.format ?? formatFromName(file);
  if (format === undefined) {
    throw new DataFormatError(
      `${file}: cannot tell the format from the name; expected .jsonl, .csv, .tsv (each optionally .gz) or an aclImdb .tar.gz, or pass the format explicitly`,
    );
  }
  if (format === 'aclimdb') {
    return { ...(await readAclImdbTarball(file, options)), format };
  }
  const { examples, skipped, sha256 } = await readTable(file, format, options);
  return { train: examples, format, sha256, skipped };
}

async function loadFolder(folder: string, options: LoadDatasetOptions): Promise<Dataset> {
  if (options.format === undefined || options.format === 'aclimdb') {
    const root = await findAclImdbRoot(folder);
    if (root !== undefined) return { ...(await readAclImdbFolder(root, options)), format: 'aclimdb' };
    if (options.format === 'aclimdb') {
      throw new DataFormatError(`${folder}: not an aclImdb folder (no train/pos inside it or inside aclImdb/)`);
    }
  }
  const names = await readdir(folder);
  const formats = options.format === undefined ? (Object.keys(TABLE_EXTENSIONS) as TableFormat[]) : [options.format as TableFormat];
  const splits: Partial<Record<SplitName, LoadedExamples>> = {};
  const hashed: { path: string; sha256: string }[] = [];
  let trainFormat: TableFormat | undefined;
  for (const split of SPLIT_NAMES) {
    const candidates = formats.flatMap((format) =>
      TABLE_EXTENSIONS[format].map((extension) => ({ name: `${split}${extension}`, format })),
    );
    const present = candidates.filter((candidate) => names.includes(candidate.name));
    if (present.length > 1) {
      throw new DataFormatError(
        `${folder}: more than one ${split} file (${present.map((p) => p.name).join(', ')}); keep one, or pass the file itself`,
      );
    }
    if (present.length === 0) {
      if (split === 'train') {
        throw new DataFormatError(
          `${folder}: no training data; expected ${candidates.map((c) => c.name).join(', ')} or an aclImdb train/pos folder (found: ${names.join(', ') || 'nothing'}); to train on another file, pass that file`,
        );
      }
      continue;
    }
    const [{ name, format }] = present;
    splits[split] = await readTable(join(folder, name), format, options);
    hashed.push({ path: name, sha256: splits[split].sha256 });
    trainFormat ??= format;
  }
  const loaded = SPLIT_NAMES.flatMap((split) => splits[split] ?? []);
  return {
    train: splits.train!.examples,
    ...(splits.validation && { validation: splits.validation.examples }),
    ...(splits.test && { test: splits.test.examples }),
    format: trainFormat!,
    sha256: manifestSha256(hashed),
    skipped: mergeSkipped(loaded.map((split) => split.skipped)),
  };
}

async function findAclImdbRoot(folder: string): Promise<string | undefined> {
  for (const root of [folder, join(folder, 'aclImdb')]) {
    const isFolder = await stat(join(root, 'train', 'pos')).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (isFolder) return root;
  }
  return undefined;
}

function readTable(file: string, format: TableFormat, options: LoadDatasetOptions): Promise<LoadedExamples> {
  return format === 'jsonl'
    ? readJsonl(file, options)
    : readCsv(file, { ...options, delimiter: format === 'tsv' ? '\t' : ',' });
}

/** The format a file name implies (`train.jsonl.gz` -> jsonl, `aclImdb_v1.tar.gz` -> aclimdb), if any. */
function formatFromName(file: string): DatasetFormat | undefined {
  const name = basename(file).toLowerCase();
  if (/\.(tar\.gz|tgz|tar)$/.test(name)) return 'aclimdb';
  return (Object.keys(TABLE_EXTENSIONS) as TableFormat[]).find((format) =>
    TABLE_EXTENSIONS[format].some((extension) => name.endsWith(extension)),
  );
}
