/**
 * The worker as users run it: a real `wrangler dev` (real workerd, which,
 * unlike the vitest pool, forbids run-time code generation), asked over HTTP,
 * its scores compared with the Node inference path on the same model files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { Classifier, type Classification } from '../../shared/classifier';

const ROOT = new URL('../../', import.meta.url).pathname;
const MODEL_DIR = join(ROOT, 'worker/model/default');
const STARTUP_TIMEOUT_MS = 90_000;

const POSITIVE =
  'One of the best films I have seen in years. The acting is superb, the story is moving and beautiful, and I loved every minute of it.';
const NEGATIVE =
  'A dull, tedious mess. The plot is stupid, the dialogue is awful and the acting is terrible. A complete waste of time.';

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

class WranglerDev {
  private output = '';
  private exit: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
    private readonly stateDir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('exit', (code, signal) => (this.exit = `exited with ${signal ?? `code ${code}`}`));
  }

  static async start(): Promise<WranglerDev> {
    const [port, inspectorPort] = [await freePort(), await freePort()];
    // Local state (R2, caches) goes to a temp folder, not into the work tree.
    const stateDir = await mkdtemp(join(tmpdir(), 'bilstm-edge-e2e-'));
    const child = spawn(
      join(ROOT, 'node_modules/.bin/wrangler'),
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', stateDir],
      {
        cwd: ROOT,
        env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that stopping it stops workerd too.
        detached: true,
      },
    );
    const dev = new WranglerDev(child, `http://127.0.0.1:${port}`, stateDir);
    try {
      await dev.waitUntilHealthy();
    } catch (error) {
      await dev.stop();
      throw error;
    }
    return dev;
  }

  /** Polls /healthz, which answers 200 only once the model is loaded. */
  private async waitUntilHealthy(): Promise<void> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exit !== undefined) throw this.failure(`wrangler dev ${this.exit} before /healthz answered`);
      try {
        const response = await fetch(`${this.origin}/healthz`, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw this.failure(`/healthz did not answer 200 within ${STARTUP_TIMEOUT_MS} ms (last: ${last})`);
  }

  failure(message: string): Error {
    return new Error(`${message}\n--- wrangler dev output ---\n${this.output.slice(-8_000)}`);
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

let dev: WranglerDev | undefined;
let reference: Classifier;

beforeAll(async () => {
  const [modelJson, weights] = await Promise.all([
    readFile(join(MODEL_DIR, 'model.json'), 'utf8').then(JSON.parse),
    readFile(join(MODEL_DIR, 'weights.bin')),
  ]);
  await startNodeBackend();
  reference = await Classifier.load(modelJson, new Uint8Array(weights));
  dev = await WranglerDev.start();
}, STARTUP_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await dev?.stop();
  reference?.dispose();
});

async function classify(body: unknown): Promise<{ model: string; results: Classification[] }> {
  const response = await dev!.fetch('/v1/classify', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw dev!.failure(`POST /v1/classify answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

describe('wrangler dev', () => {
  it('serves the bundled model', async () => {
    const health = await (await dev!.fetch('/healthz')).json();
    expect(health).toEqual({ status: 'ok', model: reference.info.id });
  });

  it('classifies a clearly positive and a clearly negative review as Node does, within 1e-5', async () => {
    const { model, results } = await classify({ texts: [POSITIVE, NEGATIVE], explain: true });
    expect(model).toBe(reference.info.id);
    expect(results.map((result) => result.label)).toEqual(['positive', 'negative']);
    const expected = reference.classify([POSITIVE, NEGATIVE], { explain: true });
    for (const [index, result] of results.entries()) {
      const want = expected[index];
      expect(result.label).toBe(want.label);
      expect(result.scores.map((s) => s.label)).toEqual(want.scores.map((s) => s.label));
      result.scores.forEach((s, k) => expect(Math.abs(s.score - want.scores[k].score)).toBeLessThanOrEqual(1e-5));
      expect(result.tokens!.map(({ token, start, end }) => [token, start, end])).toEqual(
        want.tokens!.map(({ token, start, end }) => [token, start, end]),
      );
      result.tokens!.forEach((t, k) => expect(Math.abs(t.contribution - want.tokens![k].contribution)).toBeLessThanOrEqual(1e-5));
    }
  });

  it('serves the demo page with a script that parses', async () => {
    const page = await dev!.fetch('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await (await dev!.fetch('/demo.js')).text();
    expect(() => new Script(script, { filename: 'demo.js' })).not.toThrow();
  });

  it('answers errors as JSON through the real HTTP stack', async () => {
    const tooLarge = await dev!.fetch('/v1/classify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const wrongMethod = await dev!.fetch('/v1/classify');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });
});
