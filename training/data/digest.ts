import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A file that went into a data set, by its path relative to the data set's folder. */
export interface HashedFile {
  path: string;
  sha256: string;
}

/**
 * The sha256 of a folder's files: the sha256 of the lines `sha256sum` would
 * print for them (`<hex>  <relative/path>\n`), sorted by path. The same files
 * with the same content give the same value on any machine; for ASCII paths,
 * `sha256sum <files> | LC_ALL=C sort -k2 | sha256sum` reproduces it.
 *
 * @example
 * ```ts
 * manifestSha256([{ path: 'train.jsonl', sha256: 'ab12...' }, { path: 'test.jsonl', sha256: 'cd34...' }]);
 * ```
 */
export function manifestSha256(files: readonly HashedFile[]): string {
  const lines = [...files]
    .sort((a, b) => compareCodeUnits(a.path, b.path))
    .map((file) => `${file.sha256}  ${file.path}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/**
 * The sha256 (hex) of a file's bytes, read as a stream.
 *
 * @example
 * ```ts
 * await sha256File('aclImdb_v1.tar.gz'); // 'c40f74a1...'
 * ```
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Orders strings the same way in every locale (UTF-16 code units, which is byte order for ASCII). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
