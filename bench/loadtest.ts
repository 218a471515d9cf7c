/**
 * `npm run loadtest`: a real `wrangler dev` on a free loopback port, warmed
 * up, then 50 connections POST /v1/classify with a ~100-token review for 30 s
 * (autocannon). Reports requests/s, p50, p99, errors and non-2xx answers;
 * exits 1 unless there were no errors, no non-2xx answers, the worker's
 * workerd process kept its resident memory within 10% of its size after
 * the warm-up, and its live tensor count (`GET /healthz` → `tensors`) did
 * not change. Writes the figures to bench/results/loadtest.json.
 *
 * Figures depend on the machine and on whatever else it is running.
 */
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { WranglerDev } from '../test/support/wrangler-dev';
import { writeFileAtomic } from '../training/io/atomic-write';
import { descendants, residentKiB } from './process-memory';

const ROOT = new URL('../', import.meta.url).pathname;
const RESULTS = join(ROOT, 'bench/results/loadtest.json');
const CONNECTIONS = 50;
const WARM_UP_SECONDS = 10;
const RUN_SECONDS = 30;
const MEMORY_TOLERANCE = 0.1;
const MEMORY_SAMPLE_MS = 500;
/** Everything (start-up, warm-up, run) must finish within this, or the run is abandoned. */
const DEADLINE_MS = 5 * 60_000;

/** 101 tokens by the tokenizer (the bundled model reads the first `sequence_length` of them). */
const REVIEW =
  'I went in expecting very little and came out genuinely moved. The first half hour drags a bit, and a subplot about the ' +
  "brother's debts never quite pays off, but the two leads are wonderful together and the writing gives them room to breathe. " +
  'The photography of the coast is beautiful without ever showing off, and the score knows when to stay quiet. By the final ' +
  "scenes I had stopped noticing the film's small flaws. It is not a masterpiece, yet it is honest, funny and kind, and I " +
  'would happily watch it again with friends on a rainy Sunday afternoon.';

interface Figures {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  status5xx: number;
}

function figuresOf(result: Result): Figures {
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    status5xx: result['5xx'],
  };
}

/** The workerd process running the worker: wrangler's other workerd is the proxy on the public port, without an inspector. */
async function workerRuntimePid(dev: WranglerDev): Promise<number> {
  if (dev.pid === undefined) throw new Error('wrangler dev is not running');
  const runtimes = (await descendants(dev.pid)).filter((process) => process.command === 'workerd');
  const worker = runtimes.filter((process) => process.args.some((arg) => arg.startsWith('--inspector-addr')));
  if (worker.length !== 1) {
    throw new Error(`expected one workerd with an inspector under wrangler, found ${JSON.stringify(runtimes.map(({ pid, args }) => ({ pid, args })))}`);
  }
  return worker[0].pid;
}

async function liveTensors(dev: WranglerDev): Promise<number> {
  const response = await dev.fetch('/healthz');
  if (!response.ok) throw dev.failure(`/healthz answered ${response.status}`);
  return ((await response.json()) as { tensors: number }).tensors;
}

/** Resident memory of `pid` every `MEMORY_SAMPLE_MS` until `stop()`, which returns the samples in KiB. */
function sampleMemory(pid: number): { stop: () => Promise<number[]> } {
  const samples: number[] = [];
  const timer = setInterval(() => void residentKiB(pid).then((kib) => samples.push(kib), () => {}), MEMORY_SAMPLE_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      samples.push(await residentKiB(pid));
      return samples;
    },
  };
}

function classifyLoad(origin: string, seconds: number): Promise<Result> {
  return autocannon({
    url: `${origin}/v1/classify`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: REVIEW }),
  });
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join('\n');
}

/** The wrangler dev of this run, for the deadline to stop. */
let running: WranglerDev | undefined;

async function main(): Promise<number> {
  const dev = await WranglerDev.start();
  running = dev;
  try {
    const pid = await workerRuntimePid(dev);
    const probe = await dev.fetch('/v1/classify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: REVIEW }) });
    if (probe.status !== 200) throw dev.failure(`the review was answered ${probe.status}: ${await probe.text()}`);
    const tensorsAtStart = await liveTensors(dev);

    console.log(`warming up: ${CONNECTIONS} connections for ${WARM_UP_SECONDS} s…`);
    const warmUp = figuresOf(await classifyLoad(dev.origin, WARM_UP_SECONDS));
    const baselineKiB = await residentKiB(pid);
    const tensorsAfterWarmUp = await liveTensors(dev);

    console.log(`load: ${CONNECTIONS} connections for ${RUN_SECONDS} s…`);
    const memory = sampleMemory(pid);
    const run = figuresOf(await classifyLoad(dev.origin, RUN_SECONDS));
    const samplesKiB = await memory.stop();
    const tensorsAfterRun = await liveTensors(dev);

    const finalKiB = samplesKiB[samplesKiB.length - 1];
    const peakKiB = Math.max(...samplesKiB);
    const change = (kib: number) => (kib - baselineKiB) / baselineKiB;
    const checks = {
      'no errors or timeouts': run.errors === 0 && run.timeouts === 0 && warmUp.errors === 0 && warmUp.timeouts === 0,
      'no 5xx (and no other non-2xx)': run.status5xx === 0 && run.non2xx === 0 && warmUp.non2xx === 0,
      [`workerd RSS within ${MEMORY_TOLERANCE * 100}% of post-warm-up`]:
        Math.abs(change(finalKiB)) <= MEMORY_TOLERANCE && change(peakKiB) <= MEMORY_TOLERANCE,
      'live tensors constant': tensorsAfterWarmUp === tensorsAtStart && tensorsAfterRun === tensorsAtStart,
    };
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const percent = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
    console.log(
      `\nPOST /v1/classify, ${CONNECTIONS} connections, ${RUN_SECONDS} s, after a ${WARM_UP_SECONDS} s warm-up (${cpus().length} cores, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}):\n` +
        table([
          ['requests/s', run.requestsPerSecond.toFixed(1)],
          ['requests', String(run.requests)],
          ['latency p50', `${run.p50Ms} ms`],
          ['latency p99', `${run.p99Ms} ms`],
          ['errors / timeouts', `${run.errors} / ${run.timeouts}`],
          ['non-2xx / 5xx', `${run.non2xx} / ${run.status5xx}`],
          ['workerd RSS after warm-up', mib(baselineKiB)],
          ['workerd RSS peak / end', `${mib(peakKiB)} (${percent(change(peakKiB))}) / ${mib(finalKiB)} (${percent(change(finalKiB))})`],
          ['live tensors start / warm / end', `${tensorsAtStart} / ${tensorsAfterWarmUp} / ${tensorsAfterRun}`],
        ]) +
        '\n\n' +
        table(Object.entries(checks).map(([name, ok]) => [ok ? 'ok  ' : 'FAIL', name])),
    );
    await mkdir(dirname(RESULTS), { recursive: true });
    await writeFileAtomic(
      RESULTS,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cores: cpus().length, loadAverage: loadavg(), node: process.version },
          setup: { connections: CONNECTIONS, warmUpSeconds: WARM_UP_SECONDS, runSeconds: RUN_SECONDS, reviewCharacters: REVIEW.length },
          warmUp,
          run,
          memory: { baselineKiB, peakKiB, finalKiB, samplesKiB },
          tensors: { start: tensorsAtStart, afterWarmUp: tensorsAfterWarmUp, end: tensorsAfterRun },
          checks,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${RESULTS}`);
    return Object.values(checks).every(Boolean) ? 0 : 1;
  } finally {
    await dev.stop();
  }
}

const deadline = setTimeout(() => {
  console.error(`loadtest: gave up after ${DEADLINE_MS / 1000} s`);
  void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
}, DEADLINE_MS);
deadline.unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
