import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from './examples';

const GZIP_MAGIC = [0x1f, 0x8b];
const BYTE_ORDER_MARK = '\uFEFF';

/** The lines of a text file, and the sha256 of its bytes once they have all been read. */
export interface TextLines {
  /** The lines in order, without their `\n` or `\r\n`. Can be iterated once. */
  lines: AsyncIterable<string>;
  /** The sha256 (hex) of the file as stored, compressed or not. Throws before the lines are all read. */
  sha256(): string;
}

/**
 * Reads a UTF-8 text file line by line, gunzipping it first when its first
 * bytes are the gzip magic number (whatever its name), and hashing the stored
 * bytes on the way so that the file is read only once.
 *
 * Only `\n` ends a line (a `\r` before it is dropped), so a lone `\r` inside a
 * record stays part of it.
 *
 * @throws DataFormatError naming the file when the gzip data is corrupt or truncated
 *
 * @example
 * ```ts
 * const input = readLines('imdb/train.jsonl.gz');
 * for await (const line of input.lines) console.log(line.length);
 * console.log(input.sha256());
 * ```
 */
export function readLines(file: string): TextLines {
  const hash = createHash('sha256');
  let digest: string | undefined;
  return {
    lines: (async function* () {
      yield* splitLines(await openBytes(file, hash), file);
      digest = hash.digest('hex');
    })(),
    sha256() {
      if (digest === undefined) {
        throw new Error(`sha256 of ${file} asked for before the file was read to the end`);
      }
      return digest;
    },
  };
}

/** The decompressed bytes of `file`, after feeding the stored bytes to `hash`. */
async function openBytes(file: string, hash: ReturnType<typeof createHash>): Promise<Readable> {
  const gzipped = await startsWith(file, GZIP_MAGIC);
  const stored = createReadStream(file);
  const hashed = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // Errors reach the caller through the last stream, which the pipeline destroys with them.
  const ignore = () => {};
  return gzipped ? pipeline(stored, hashed, createGunzip(), ignore) : pipeline(stored, hashed, ignore);
}

async function* splitLines(bytes: Readable, file: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let first = true;
  try {
    for await (const chunk of bytes) {
      pending += decoder.write(chunk as Buffer);
      if (first && pending.length > 0) {
        // Spreadsheet programs start UTF-8 files with a byte order mark, which is not part of the first header.
        if (pending.startsWith(BYTE_ORDER_MARK)) pending = pending.slice(1);
        first = false;
      }
      let start = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        yield withoutCarriageReturn(pending.slice(start, end));
        start = end + 1;
      }
      pending = pending.slice(start);
    }
  } catch (error) {
    throw describeReadError(error, file);
  }
  pending += decoder.end();
  if (pending !== '') yield withoutCarriageReturn(pending);
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Turns zlib's terse errors into one that says which file is damaged. */
function describeReadError(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new DataFormatError(
      `${file}: the gzip data is corrupt or truncated (${(error as Error).message}); get a fresh copy of the file`,
      { cause: error },
    );
  }
  return error;
}

/** Whether the file begins with `magic`; a shorter file does not. */
async function startsWith(file: string, magic: readonly number[]): Promise<boolean> {
  const head = await readBytesAt(file, 0, magic.length);
  return head.length === magic.length && magic.every((byte, i) => head[i] === byte);
}

/**
 * Up to `length` bytes of `file` from `position` (fewer near its end).
 *
 * @example
 * ```ts
 * (await readBytesAt('a.tar', 257, 5)).toString(); // 'ustar'
 * ```
 */
export async function readBytesAt(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, position);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
