import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  /** `performance.now()` when the request's body had arrived. */
  at: number;
}

/** What to do with the n-th request (from 0): answer it, or hold it open forever. */
export type Script = (index: number, request: SeenRequest, response: ServerResponse) => void;

/**
 * An HTTP server on 127.0.0.1 that answers by a script, for what a real
 * worker will not do on demand: 429s, 503s, Retry-After, silence.
 *
 * @example
 * ```ts
 * const server = await ScriptedServer.start((n, _, res) =>
 *   n === 0 ? res.writeHead(503, { 'Retry-After': '1' }).end() : res.writeHead(200).end(JSON.stringify(answer)));
 * await classify('hi', { endpoint: server.origin });
 * server.requests.length; // 2
 * ```
 */
export class ScriptedServer {
  readonly requests: SeenRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static start(script: Script): Promise<ScriptedServer> {
    let scripted: ScriptedServer;
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const seen = { method: request.method ?? '', path: request.url ?? '', body, at: performance.now() };
        scripted.requests.push(seen);
        script(scripted.requests.length - 1, seen, response);
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        scripted = new ScriptedServer(server, `http://127.0.0.1:${port}`);
        resolve(scripted);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Answers JSON with `status`. */
export function answerJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}
