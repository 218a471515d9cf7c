import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};
const TEXT = /^(text\/|application\/json)/;

export interface StaticServerOptions {
  /** URL path prefix (ending in `/`) → folder served under it; `index.html` for a folder. */
  mounts: Record<string, string>;
  /** Applied to every text file served, e.g. to point a page at the test's worker. */
  rewrite?: (text: string, path: string) => string;
}

/**
 * A static file server on a free port of 127.0.0.1: a second origin for
 * pages that call the worker cross-origin, as a site's pages do.
 *
 * @example
 * ```ts
 * const site = await StaticServer.start({ mounts: { '/': 'worker/examples/host-page' } });
 * await fetch(`${site.origin}/`); // worker/examples/host-page/index.html
 * await site.close();
 * ```
 */
export class StaticServer {
  private constructor(
    private readonly server: Server,
    /** e.g. `http://127.0.0.1:41235` */
    readonly origin: string,
  ) {}

  static start(options: StaticServerOptions): Promise<StaticServer> {
    const server = createServer((request, response) => {
      serve(new URL(request.url ?? '/', 'http://localhost').pathname, options).then(
        ({ status, type, body }) => response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body),
        (error: unknown) => response.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error)),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        resolve(new StaticServer(server, `http://127.0.0.1:${port}`));
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function serve(path: string, options: StaticServerOptions): Promise<{ status: number; type: string; body: string | Buffer }> {
  const notFound = { status: 404, type: 'text/plain', body: `not found: ${path}` };
  const prefix = Object.keys(options.mounts)
    .filter((mount) => path.startsWith(mount))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return notFound;
  const root = options.mounts[prefix];
  const relative = normalize(decodeURIComponent(path.slice(prefix.length)) || 'index.html');
  const file = join(root, relative.endsWith(sep) ? join(relative, 'index.html') : relative);
  if (relative.startsWith('..') || !file.startsWith(root)) return notFound;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return notFound;
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  const body = TEXT.test(type) && options.rewrite ? options.rewrite(bytes.toString('utf8'), path) : bytes;
  return { status: 200, type, body };
}
