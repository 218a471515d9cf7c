import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './stats';

const ROOT = new URL('../', import.meta.url).pathname;
const STARTUP_TIMEOUT_MS = 120_000;

export interface EdgeResult {
  requests: number;
  classifyP50Ms: number;
  classifyP99Ms: number;
  healthzP50Ms: number;
  /** The model the worker serves (its id, from /healthz), not necessarily the tutorial model. */
  model: string;
}

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

/** `wrangler dev` on free ports, its state in a temp folder, in its own process group. */
async function startWranglerDev(): Promise<{ origin: string; stop: () => Promise<void>; output: () => string }> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const stateDir = await mkdtemp(join(tmpdir(), 'bilstm-edge-bench-'));
  const child: ChildProcess = spawn(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', stateDir],
    {
      cwd: ROOT,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  let exited = false;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited && child.pid !== undefined) {
      const done = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      const killLater = setTimeout(() => !exited && process.kill(-child.pid!, 'SIGKILL'), 5_000);
      await done;
      clearTimeout(killLater);
    }
    await rm(stateDir, { recursive: true, force: true });
  };
  return { origin: `http://127.0.0.1:${port}`, stop, output: () => output.slice(-4_000) };
}

async function timed(request: () => Promise<Response>): Promise<{ ms: number; response: Response; body: string }> {
  const started = performance.now();
  const response = await request();
  const body = await response.text();
  return { ms: performance.now() - started, response, body };
}

/**
 * Times the worker through a real `wrangler dev` over loopback: POST
 * /v1/classify with one review of `words` words, and GET /healthz, each
 * `requests` times in sequence after a warm-up.
 *
 * @throws Error when wrangler dev does not come up healthy or classify fails
 */
export async function benchEdge(review: string, requests: number): Promise<EdgeResult> {
  const dev = await startWranglerDev();
  try {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let model: string | undefined;
    while (model === undefined) {
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms\n${dev.output()}`);
      const answer = await fetch(`${dev.origin}/healthz`).catch(() => null);
      if (answer?.ok) model = ((await answer.json()) as { model: string }).model;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const classify = () =>
      fetch(`${dev.origin}/v1/classify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: review }),
      });
    const healthz = () => fetch(`${dev.origin}/healthz`);
    const sample = async (request: () => Promise<Response>, what: string) => {
      const times: number[] = [];
      for (let i = 0; i < requests + 10; i++) {
        const { ms, response, body } = await timed(request);
        if (!response.ok) throw new Error(`${what} answered ${response.status}: ${body.slice(0, 500)}`);
        if (i >= 10) times.push(ms); // the first 10 warm the isolate up
      }
      return times;
    };
    const classifyTimes = await sample(classify, 'POST /v1/classify');
    const healthzTimes = await sample(healthz, 'GET /healthz');
    return {
      requests,
      classifyP50Ms: percentile(classifyTimes, 0.5),
      classifyP99Ms: percentile(classifyTimes, 0.99),
      healthzP50Ms: percentile(healthzTimes, 0.5),
      model,
    };
  } finally {
    await dev.stop();
  }
}
