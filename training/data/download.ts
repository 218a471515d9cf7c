import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { makeDirectory } from '../io/make-directory';
import { sha256File } from './digest';

/**
 * The official IMDB tarball (Maas et al. 2011), 84,125,825 bytes. The sha256
 * is the one TensorFlow Datasets and other loaders publish for this URL.
 */
export const ACL_IMDB_TARBALL = {
  url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
  sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
  fileName: 'aclImdb_v1.tar.gz',
} as const;

export interface DownloadOptions {
  /** @default ACL_IMDB_TARBALL.url */
  url?: string;
  /** Expected sha256 (hex) of the whole file. @default ACL_IMDB_TARBALL.sha256 */
  sha256?: string;
  /** Name of the file in the cache folder. @default ACL_IMDB_TARBALL.fileName */
  fileName?: string;
  /** @default defaultCacheDir() */
  cacheDir?: string;
  /** Give up when no connection is made within this time, so an offline machine fails at once. @default 5000 */
  connectTimeoutMs?: number;
  /** Treat the connection as dropped after this long without data. @default 30000 */
  idleTimeoutMs?: number;
  /** Requests made in all, each resuming where the last one dropped. @default 3 */
  attempts?: number;
  /** Called as bytes arrive: bytes on disk so far (resumed ones included) and the full size when the server says it. */
  onProgress?: (bytes: number, total: number | undefined) => void;
}

/** A download that did not produce the expected file; the message says how to go on without it. */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

/** A transfer that broke off after it started, which the next request can resume. */
class Interrupted extends Error {}

const MAX_REDIRECTS = 5;
const ADVICE = 'pass a local copy with --data <path>';

/**
 * The folder for downloaded data: `$XDG_CACHE_HOME/bilstm-edge`, or
 * `~/.cache/bilstm-edge` when that variable is unset or not absolute (as the
 * XDG base directory specification asks).
 *
 * @example
 * ```ts
 * defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }); // '/var/cache/me/bilstm-edge'
 * ```
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? join(xdg, 'bilstm-edge') : join(home, '.cache', 'bilstm-edge');
}

/**
 * Downloads a file into the cache folder, once, and returns its path.
 *
 * Bytes go to `<fileName>.part`; a request that breaks off is resumed with an
 * HTTP Range request, in this call or a later one. The complete file must
 * match `sha256` and is then renamed into place, so the cache never holds a
 * partial or wrong file under the final name. A cached file is checked again
 * before it is used.
 *
 * @throws DownloadError at once when the server cannot be reached, and when
 *   the server fails or the bytes do not match; the message names `--data`
 *
 * @example
 * ```ts
 * const tarball = await downloadToCache({ onProgress: (bytes, total) => bar.update(bytes, { total }) });
 * ```
 */
export async function downloadToCache(options: DownloadOptions = {}): Promise<string> {
  const url = options.url ?? ACL_IMDB_TARBALL.url;
  const expected = (options.sha256 ?? ACL_IMDB_TARBALL.sha256).toLowerCase();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const target = join(cacheDir, options.fileName ?? ACL_IMDB_TARBALL.fileName);
  const partial = `${target}.part`;
  if ((await sizeOf(target)) !== undefined) {
    if ((await sha256File(target)) === expected) return target;
    await rm(target);
  }
  await makeDirectory(cacheDir);
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      await requestInto(url, partial, options, MAX_REDIRECTS);
      break;
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      if (attempt >= attempts) {
        throw new DownloadError(
          `could not download ${url}: ${error.message} (${attempts} attempts); run again to resume, or ${ADVICE}`,
        );
      }
    }
  }
  const actual = await sha256File(partial);
  if (actual !== expected) {
    await rm(partial);
    throw new DownloadError(
      `downloaded ${url} but its sha256 is ${actual}, not ${expected}, so it was deleted; try again, or ${ADVICE}`,
    );
  }
  await rename(partial, target);
  return target;
}

/** One GET that appends to `partial` from its current size, following redirects. */
async function requestInto(url: string, partial: string, options: DownloadOptions, redirects: number): Promise<void> {
  const offset = (await sizeOf(partial)) ?? 0;
  const response = await connect(url, offset, options);
  const { statusCode = 0, headers } = response;
  if (statusCode >= 300 && statusCode < 400 && headers.location && redirects > 0) {
    response.resume();
    return requestInto(new URL(headers.location, url).href, partial, options, redirects - 1);
  }
  if (statusCode === 416) {
    response.resume();
    // Nothing left to fetch: an earlier run stopped between the last byte and the rename.
    if (/^bytes \*\/(\d+)$/.exec(headers['content-range'] ?? '')?.[1] === String(offset)) return;
    // The part file does not fit the file on the server, so it cannot be resumed: start over.
    await rm(partial);
    throw new Interrupted('the partial download did not fit the file on the server');
  }
  const range = statusCode === 206 ? parseContentRange(headers['content-range']) : undefined;
  if (statusCode === 206 && range?.start !== offset) {
    response.resume();
    throw new DownloadError(`could not download ${url}: the server resumed at the wrong byte; ${ADVICE}`);
  }
  if (statusCode !== 200 && statusCode !== 206) {
    response.resume();
    throw new DownloadError(`could not download ${url}: HTTP ${statusCode} ${response.statusMessage ?? ''}; ${ADVICE}`);
  }
  // A 200 answer is the whole file: the server ignored the Range header, or there was nothing to resume.
  const start = statusCode === 206 ? offset : 0;
  const length = Number(headers['content-length']);
  const total = range?.total ?? (Number.isFinite(length) ? start + length : undefined);
  let bytes = start;
  options.onProgress?.(bytes, total);
  const out = createWriteStream(partial, { flags: start === 0 ? 'w' : 'a' });
  let dropped: unknown;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      options.onProgress?.(bytes, total);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    dropped = error;
  }
  // Keep every byte that arrived, so the next request resumes after them rather than before.
  out.end();
  await finished(out);
  if (dropped !== undefined) {
    throw new Interrupted(`the connection dropped after ${bytes}${total === undefined ? '' : ` of ${total}`} bytes`, {
      cause: dropped,
    });
  }
}

/** Sends the GET and waits for the response head, failing fast when no connection can be made. */
function connect(url: string, offset: number, options: DownloadOptions): Promise<IncomingMessage> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(new DownloadError(`could not download ${url} (${reason}); ${ADVICE}`));
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('not a valid URL');
    }
    const get = parsed.protocol === 'https:' ? httpsGet : parsed.protocol === 'http:' ? httpGet : undefined;
    if (get === undefined) return fail(`unsupported protocol ${parsed.protocol}`);
    // A fresh socket each time (no keep-alive agent) so that 'connect' always fires and the timer always stops.
    const request: ClientRequest = get(parsed, {
      agent: false,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    });
    const connectTimer = setTimeout(
      () => request.destroy(new Error(`no connection within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    request.on('socket', (socket) => socket.once('connect', () => clearTimeout(connectTimer)));
    request.setTimeout(idleTimeoutMs, () => request.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    request.on('response', (response) => {
      clearTimeout(connectTimer);
      resolve(response);
    });
    request.on('error', (error) => {
      clearTimeout(connectTimer);
      fail(error.message);
    });
  });
}

/** `bytes 100-199/1000` -> { start: 100, total: 1000 }; the total may be `*` (unknown). */
function parseContentRange(header: string | undefined): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return match ? { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) } : undefined;
}

async function sizeOf(file: string): Promise<number | undefined> {
  return stat(file).then(
    (stats) => stats.size,
    () => undefined,
  );
}
