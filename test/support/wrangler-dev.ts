import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const ROOT = new URL('../../', import.meta.url).pathname;

/** How long `wrangler dev` may take to bundle, start workerd and load the model. */
export const WRANGLER_STARTUP_TIMEOUT_MS = 90_000;

export interface WranglerDevOptions {
  /**
   * Polled until it answers 200. The default, `/healthz`, loads the model; a
   * path that does not (e.g. `/demo.css`) leaves the first request that needs
   * the model to load it, which is how a cold start is timed.
   */
  readyPath?: string;
  /**
   * Wrangler's line per request (`POST /v1/classify 200 OK (3ms)`), on by
   * default as in `npm start`. Off runs `wrangler dev --log-level warn`:
   * its proxy then no longer posts each request's line to wrangler's Node
   * process, ~0.5 ms a request here, and wrangler prints only warnings and
   * errors (the worker's own `console.error` included).
   */
  requestLog?: boolean;
}

/**
 * A real `wrangler dev` of this repository's worker on a free port of
 * 127.0.0.1, offline (`CLOUDFLARE_CF_FETCH_ENABLED=false`), ready once
 * `/healthz` (or `options.readyPath`) answers 200, with its local state in a
 * temp folder.
 *
 * @example
 * ```ts
 * const dev = await WranglerDev.start();
 * await dev.fetch('/healthz'); // 200 {"status":"ok","model":"d59f7fd2dc52","tensors":23}
 * await dev.stop();
 * ```
 */
export class WranglerDev {
  private exit: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** e.g. `http://127.0.0.1:41234` */
    readonly origin: string,
    private readonly stateDir: string,
    /** wrangler's stdout and stderr, interleaved. */
    private readonly outputPath: string,
  ) {
    child.on('exit', (code, signal) => (this.exit = `exited with ${signal ?? `code ${code}`}`));
  }

  static async start(options: WranglerDevOptions = {}): Promise<WranglerDev> {
    const [port, inspectorPort] = [await freePort(), await freePort()];
    // Local state (R2, caches) goes to a temp folder, not into the work tree.
    const stateDir = await mkdtemp(join(tmpdir(), 'bilstm-edge-e2e-'));
    // wrangler writes its output (a line per request) to a file, not to a pipe
    // into this process, which times requests and should not also read it.
    const outputPath = join(stateDir, 'wrangler-output.log');
    const output = await open(outputPath, 'w');
    const child = spawn(
      join(ROOT, 'node_modules/.bin/wrangler'),
      [
        'dev',
        ...['--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', stateDir],
        ...(options.requestLog === false ? ['--log-level', 'warn'] : []),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
        stdio: ['ignore', output.fd, output.fd],
        // Its own process group, so that stopping it stops workerd too.
        detached: true,
      },
    );
    await output.close();
    const dev = new WranglerDev(child, `http://127.0.0.1:${port}`, stateDir, outputPath);
    try {
      await dev.waitUntilReady(options.readyPath ?? '/healthz');
    } catch (error) {
      await dev.stop();
      throw error;
    }
    return dev;
  }

  private async waitUntilReady(path: string): Promise<void> {
    const deadline = Date.now() + WRANGLER_STARTUP_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exit !== undefined) throw this.failure(`wrangler dev ${this.exit} before ${path} answered`);
      try {
        const response = await fetch(`${this.origin}${path}`, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw this.failure(`${path} did not answer 200 within ${WRANGLER_STARTUP_TIMEOUT_MS} ms (last: ${last})`);
  }

  /** An error carrying the end of wrangler's output, which usually says what went wrong. */
  failure(message: string): Error {
    const output = readFileSync(this.outputPath, 'utf8');
    return new Error(`${message}\n--- wrangler dev output ---\n${output.slice(-8_000)}`);
  }

  /** The id of the `wrangler` process; workerd runs as one of its descendants. */
  get pid(): number | undefined {
    return this.exit === undefined ? this.child.pid : undefined;
  }

  fetch(path: string, init?: RequestInit): Promise<Response> {
    return fetch(`${this.origin}${path}`, init);
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (this.exit === undefined && pid !== undefined) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // The group is already gone.
        }
      };
      signalGroup('SIGTERM');
      const killLater = setTimeout(() => signalGroup('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killLater);
    }
    await rm(this.stateDir, { recursive: true, force: true });
  }
}
