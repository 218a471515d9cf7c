import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WranglerDev } from '../test/support/wrangler-dev';
import { BUNDLE_BUDGET_GZIP_BYTES, measureBundle, type BundleSize } from '../worker/scripts/measure-bundle';
import { KeepAliveClient, type LoopbackAnswer } from './keep-alive-client';
import { sameWorkerRuntime, workerRuntimeOrigin, workerRuntimePid } from './processes';
import { percentile } from './stats';

const ROOT = new URL('../', import.meta.url).pathname;

/** The budgets of issue #5, printed next to the figures. */
export const EDGE_TARGETS = {
  bundleGzipBytes: BUNDLE_BUDGET_GZIP_BYTES,
  coldStartMs: 50,
  classifyP50Ms: 3,
} as const;

/** Untimed requests that warm the isolate up before anything is measured. */
const WARM_UP_REQUESTS = 10;
/** Turns of the warm measurements: each way is timed in this many blocks. */
const WARM_ROUNDS = 4;
/**
 * A path that answers without loading the model (worker/routes/demo.ts), so
 * that wrangler dev is known to be up while the model is still unloaded.
 */
const READY_WITHOUT_MODEL = '/demo.css';

export interface EdgeOptions {
  /**
   * Fresh `wrangler dev` processes whose first classify is timed. Default 5:
   * the first of a run has been the slowest in every run (by 1.5–3×), which
   * a median of 3 lets weigh on the figure.
   */
  coldStarts?: number;
  /** Classify requests between the two readings of the live tensor count. Default 10,000. */
  leakCheckRequests?: number;
}

/** Warm figures of one way to reach the worker, over the same kept-alive connection. */
export interface WarmFigures {
  classifyP50Ms: number;
  classifyP99Ms: number;
  /** GET /healthz, which answers without the model: what HTTP alone costs that way. */
  healthzP50Ms: number;
}

export interface EdgeResult {
  /** Timed requests per route and way. */
  requests: number;
  /** Through `wrangler dev` as `npm start` runs it: its proxy, and its line per request. */
  proxied: WarmFigures;
  /**
   * Through a second `wrangler dev` run with `--log-level warn`, whose proxy
   * does not log each request to wrangler's Node process, timed in turns with
   * the first.
   */
  proxiedWithoutRequestLog: WarmFigures;
  /**
   * Straight to the socket of the workerd that runs the first one's worker:
   * the worker's own time, without wrangler dev's proxy, a development-only
   * hop that production does not have.
   */
  direct: WarmFigures;
  /** The model the worker serves (its id, from /healthz), not necessarily the tutorial model. */
  model: string;
  /**
   * The first POST /v1/classify of a fresh wrangler dev, whose only earlier
   * requests went to a route that does not load the model: it pays for
   * starting the wasm backend and the kernel, checking and decoding the
   * weights, and the first classification.
   */
  coldStart: { medianMs: number; samplesMs: number[] };
  /** The worker's live tfjs tensors (GET /healthz), after the warm-up and after `classifyRequests` more classify requests. */
  tensors: { afterWarmUp: number; afterRequests: number; classifyRequests: number; constant: boolean };
  /** What `wrangler deploy --dry-run --minify` would upload. */
  bundle: BundleSize & { budgetGzipBytes: number; withinBudget: boolean };
}

async function timed(request: () => Promise<LoopbackAnswer>, what: string): Promise<number> {
  const started = performance.now();
  const answer = await request();
  const ms = performance.now() - started;
  if (answer.status !== 200) throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
  return ms;
}

async function timeEach(request: () => Promise<LoopbackAnswer>, what: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await timed(request, what));
  return times;
}

const classify = (client: KeepAliveClient, review: string) => () =>
  client.request('POST', '/v1/classify', JSON.stringify({ text: review }));
const healthz = (client: KeepAliveClient) => () => client.request('GET', '/healthz');

async function health(client: KeepAliveClient): Promise<{ model: string; tensors: number }> {
  const answer = await healthz(client)();
  if (answer.status !== 200) throw new Error(`GET /healthz answered ${answer.status}: ${answer.body.slice(0, 500)}`);
  return JSON.parse(answer.body) as { model: string; tensors: number };
}

/**
 * A figure is void if wrangler reloaded the worker (a source file changed)
 * while it was taken: that restarts the workerd running it.
 */
async function assertSameWorker(dev: WranglerDev, runtimePid: number, what: string): Promise<void> {
  if (!(await sameWorkerRuntime(dev.pid, runtimePid))) {
    throw new Error(`wrangler dev reloaded the worker during ${what}: a source file changed; run again`);
  }
}

/** The first classify of a wrangler dev started without loading the model, on a new connection. */
async function coldClassifyMs(dev: WranglerDev, review: string): Promise<number> {
  const runtimePid = await workerRuntimePid(dev.pid);
  const client = new KeepAliveClient(dev.origin);
  try {
    const ms = await timed(classify(client, review), 'the first POST /v1/classify');
    await assertSameWorker(dev, runtimePid, 'the cold start');
    return ms;
  } finally {
    client.close();
  }
}

/**
 * Warm classify and /healthz times of each way, taken in turns, a block of
 * each way per round, so that load from elsewhere weighs on all alike.
 */
async function warmFigures<Way extends string>(
  clients: Record<Way, KeepAliveClient>,
  review: string,
  requests: number,
): Promise<Record<Way, WarmFigures>> {
  const ways = Object.keys(clients) as Way[];
  const times = Object.fromEntries(ways.map((way) => [way, { classify: [] as number[], healthz: [] as number[] }])) as Record<
    Way,
    { classify: number[]; healthz: number[] }
  >;
  for (const way of ways) await timeEach(classify(clients[way], review), `POST /v1/classify (${way})`, WARM_UP_REQUESTS);
  const count = Math.ceil(requests / WARM_ROUNDS);
  for (let round = 0; round < WARM_ROUNDS; round++) {
    for (const way of ways) {
      times[way].classify.push(...(await timeEach(classify(clients[way], review), `POST /v1/classify (${way})`, count)));
      times[way].healthz.push(...(await timeEach(healthz(clients[way]), `GET /healthz (${way})`, count)));
    }
  }
  return Object.fromEntries(
    ways.map((way) => [
      way,
      {
        classifyP50Ms: percentile(times[way].classify, 0.5),
        classifyP99Ms: percentile(times[way].classify, 0.99),
        healthzP50Ms: percentile(times[way].healthz, 0.5),
      },
    ]),
  ) as Record<Way, WarmFigures>;
}

async function buildBundle(): Promise<EdgeResult['bundle']> {
  const outdir = await mkdtemp(join(tmpdir(), 'bilstm-edge-bundle-'));
  try {
    await promisify(execFile)(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', outdir, '--minify'], {
      cwd: ROOT,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    });
    const size = await measureBundle(outdir);
    return { ...size, budgetGzipBytes: BUNDLE_BUDGET_GZIP_BYTES, withinBudget: size.gzip <= BUNDLE_BUDGET_GZIP_BYTES };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * Measures the worker against the budgets of issue #5:
 * - the bundle `wrangler deploy --dry-run --minify` makes, gzip;
 * - the cold start, the first POST /v1/classify of a fresh `wrangler dev`
 *   (median of `coldStarts` starts);
 * - warm POST /v1/classify of `review` and GET /healthz over loopback,
 *   `requests` times each in sequence after a warm-up, on one kept-alive
 *   connection per way (see `KeepAliveClient`), three ways in turns:
 *   through that wrangler dev, through a second one with its request log
 *   off, and straight to the first one's workerd;
 * - the live tensor count before and after `leakCheckRequests` more
 *   classify requests.
 *
 * @throws Error when the bundle does not build, wrangler dev does not come
 *   up, a request fails, or wrangler reloads the worker mid-measurement
 *
 * @example
 * ```ts
 * const edge = await benchEdge(review, 200);
 * console.log(formatEdge(edge));
 * ```
 */
export async function benchEdge(review: string, requests: number, options: EdgeOptions = {}): Promise<EdgeResult> {
  const { coldStarts = 5, leakCheckRequests = 10_000 } = options;
  const bundle = await buildBundle();
  const coldSamples: number[] = [];

  const dev = await WranglerDev.start({ readyPath: READY_WITHOUT_MODEL });
  let quietDev: WranglerDev | undefined;
  const clients: KeepAliveClient[] = [];
  const client = (origin: string) => {
    const opened = new KeepAliveClient(origin);
    clients.push(opened);
    return opened;
  };
  let warm: Omit<EdgeResult, 'coldStart' | 'bundle'>;
  try {
    coldSamples.push(await coldClassifyMs(dev, review));
    // Started only now, so that its start does not weigh on the cold start.
    quietDev = await WranglerDev.start({ requestLog: false });
    const runtimes = [await workerRuntimePid(dev.pid), await workerRuntimePid(quietDev.pid)] as const;
    const proxied = client(dev.origin);
    const figures = await warmFigures(
      { proxied, proxiedWithoutRequestLog: client(quietDev.origin), direct: client(await workerRuntimeOrigin(runtimes[0])) },
      review,
      requests,
    );
    const before = await health(proxied);
    await timeEach(classify(proxied, review), 'POST /v1/classify', leakCheckRequests);
    const after = await health(proxied);
    await assertSameWorker(dev, runtimes[0], 'the warm measurements');
    await assertSameWorker(quietDev, runtimes[1], 'the warm measurements');
    warm = {
      requests,
      ...figures,
      model: before.model,
      tensors: { afterWarmUp: before.tensors, afterRequests: after.tensors, classifyRequests: leakCheckRequests, constant: before.tensors === after.tensors },
    };
  } finally {
    for (const open of clients) open.close();
    await Promise.all([dev.stop(), quietDev?.stop()]);
  }

  for (let i = 1; i < coldStarts; i++) {
    const fresh = await WranglerDev.start({ readyPath: READY_WITHOUT_MODEL });
    try {
      coldSamples.push(await coldClassifyMs(fresh, review));
    } finally {
      await fresh.stop();
    }
  }
  return { ...warm, coldStart: { medianMs: percentile(coldSamples, 0.5), samplesMs: coldSamples }, bundle };
}

const ms = (value: number) => `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

type TableRow = [what: string, figure: string, target: string, verdict: string];

function warmRows(way: string, figures: WarmFigures, requests: number, judged: boolean): TableRow[] {
  const target = `p50 ≤ ${EDGE_TARGETS.classifyP50Ms} ms`;
  return [
    [
      `POST /v1/classify ${way} (${requests})`,
      `p50 ${ms(figures.classifyP50Ms)}, p99 ${ms(figures.classifyP99Ms)}`,
      judged ? target : '',
      judged ? verdict(figures.classifyP50Ms <= EDGE_TARGETS.classifyP50Ms) : '',
    ],
    [`GET /healthz ${way} (${requests})`, `p50 ${ms(figures.healthzP50Ms)}`, '', ''],
  ];
}

/**
 * The figures of `benchEdge`, one line each, with their targets.
 *
 * @example
 * ```ts
 * console.log(formatEdge(await benchEdge(review, 200)));
 * // edge (wrangler dev, loopback, model d59f7fd2dc52)  figure                                                target
 * // bundle, gzip                                       948.6 KiB = 971,399 B (raw 1835.6 KiB)                ≤ 1,000,000 B  met
 * // cold start, first classify (median of 5)           73.8 ms (181 ms, 73.8 ms, 52.9 ms, 69.0 ms, 78.1 ms)  ≤ 50 ms        MISSED
 * // …
 * ```
 */
export function formatEdge(edge: EdgeResult): string {
  const { bundle, coldStart, tensors } = edge;
  const rows: TableRow[] = [
    [
      'bundle, gzip',
      `${kib(bundle.gzip)} = ${bundle.gzip.toLocaleString('en')} B (raw ${kib(bundle.raw)})`,
      `≤ ${EDGE_TARGETS.bundleGzipBytes.toLocaleString('en')} B`,
      verdict(bundle.withinBudget),
    ],
    [
      `cold start, first classify (median of ${coldStart.samplesMs.length})`,
      `${ms(coldStart.medianMs)} (${coldStart.samplesMs.map(ms).join(', ')})`,
      `≤ ${EDGE_TARGETS.coldStartMs} ms`,
      verdict(coldStart.medianMs <= EDGE_TARGETS.coldStartMs),
    ],
    ...warmRows('through wrangler dev (npm start)', edge.proxied, edge.requests, true),
    ...warmRows('through wrangler dev --log-level warn', edge.proxiedWithoutRequestLog, edge.requests, true),
    ...warmRows('straight to its workerd, no proxy', edge.direct, edge.requests, false),
    [
      `live tensors, over ${tensors.classifyRequests.toLocaleString('en')} classify`,
      `${tensors.afterWarmUp} after warm-up, ${tensors.afterRequests} after`,
      'constant',
      verdict(tensors.constant),
    ],
  ];
  const table = [[`edge (wrangler dev, loopback, model ${edge.model.slice(0, 12)})`, 'figure', 'target', ''], ...rows];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column].length)) + 2);
  return table.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('').trimEnd()).join('\n');
}
