/**
 * `npm run bench`: the tutorial model on three engines side by side, in one
 * process, on the same wasm backend (SIMD, `--threads` threads, by default
 * the machine's cores), with the same weights:
 *   (a) our model core on the fused WebAssembly kernel,
 *   (b) our model core on the core-op reference recurrence,
 *   (c) tfjs-layers' bidirectional(lstm) (stock wasm kernels plus our
 *       UnsortedSegmentSum, so that it can train);
 * then the bundled model's explanations by gradient and by occlusion; and
 * before them, the worker through a real `wrangler dev`. Prints a table and
 * writes bench/results/latest.json. A benchmark, not a test: nothing is
 * asserted.
 *
 * Engines take turns run by run (in a rotating order), so that load from
 * other processes, which this shared machine has, weighs on all alike:
 * compare the ratios, not the absolute times.
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MAX_THREADS, startNodeBackend } from '../shared/backend/node';
import { startNodeBilstmKernel } from '../shared/kernels/bilstm/node';
import { TUTORIAL_MODEL } from '../shared/model/config';
import { countParameters } from '../shared/model/parameters';
import { initialWeights } from '../shared/model/weights';
import { createRandom } from '../shared/random';
import { writeFileAtomic } from '../training/io/atomic-write';
import { benchEdge, formatEdge, type EdgeResult } from './edge';
import { benchExplain } from './explain';
import { coreEngine, layersEngine, type Batch, type BenchEngine, type EngineId } from './engines';
import { review } from './review';
import { summarize, type Summary } from './stats';

const CONFIG = TUTORIAL_MODEL;
/** IMDB's training split as the tutorial uses it: 20,000 reviews (5,000 held out), batches of 32. */
const EPOCH_STEPS = Math.ceil(20_000 / 32);
/**
 * The pause before each run of the cold-cache line: past the ~10 ms after
 * which, on this host, a prediction's extra cost stops growing (README, Speed).
 */
const COLD_PAUSE_MS = 30;
const RESULTS = new URL('./results/latest.json', import.meta.url).pathname;

interface Row {
  id: string;
  label: string;
  kind: 'infer' | 'train';
  batch: number;
  steps: number;
}

const ROWS: Row[] = [
  { id: 'infer-b1-t100', label: 'inference, batch 1, T = 100', kind: 'infer', batch: 1, steps: 100 },
  { id: 'infer-b1-t20', label: 'inference, batch 1, T = 20', kind: 'infer', batch: 1, steps: 20 },
  { id: 'infer-b32-t100', label: 'inference, batch 32, T = 100', kind: 'infer', batch: 32, steps: 100 },
  { id: 'train-b32-t100', label: 'training step, batch 32, T = 100', kind: 'train', batch: 32, steps: 100 },
];

interface EngineResult extends Summary {
  /** Median of (c) over median of this engine: how many times faster than tfjs-layers. */
  speedupOverLayers: number;
  /** tfjs kernels dispatched by one run (tf.profile). */
  kernelsPerRun: number;
}

const integer = (min: number) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
  return parsed;
};

function randomBatch(batch: number, steps: number, seed: number): Batch {
  const random = createRandom(seed);
  const vocabulary = CONFIG.input.kind === 'tokens' ? CONFIG.input.vocabularySize : 0;
  return {
    ids: Int32Array.from({ length: batch * steps }, () => 1 + Math.floor(random() * (vocabulary - 1))),
    labels: Int32Array.from({ length: batch }, (_, row) => row % 2),
    batch,
    steps,
  };
}

function runOnce(engine: BenchEngine, row: Row, input: Batch): Promise<unknown> {
  return row.kind === 'infer' ? Promise.resolve(engine.infer(input)) : engine.trainStep(input);
}

/**
 * Untimed runs of a row per engine: ten times `warmup` at batch 1, as for the
 * back-to-back runs. V8 optimizes code once it has run often enough, and five
 * runs of a millisecond leave a batch-1 prediction's JavaScript part-way: in
 * one process, its median over 30 interleaved runs was 1.54–1.66 ms after 5
 * warm-up runs and 1.27–1.46 ms after 300 more (a busy hour).
 */
const warmupRuns = (row: Row, warmup: number) => (row.batch === 1 ? warmup * 10 : warmup);

async function measure(row: Row, engines: BenchEngine[], runs: number, warmup: number): Promise<Record<EngineId, number[]>> {
  const input = randomBatch(row.batch, row.steps, row.steps * 100 + row.batch);
  const samples = Object.fromEntries(engines.map((e) => [e.id, [] as number[]])) as Record<EngineId, number[]>;
  for (const engine of engines) for (let i = 0; i < warmupRuns(row, warmup); i++) await runOnce(engine, row, input);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < engines.length; k++) {
      const engine = engines[(i + k) % engines.length];
      const started = performance.now();
      await runOnce(engine, row, input);
      samples[engine.id].push(performance.now() - started);
    }
  }
  return samples;
}

/**
 * The kernel alone, one text at a time back to back, as a busy worker runs
 * it: the interleaved rows above start every run after ~0.1 s of the other
 * engines, by when this host has let our caches go cold (see `spin`). With
 * `pauseMs`, each run follows that long a `spin` instead.
 */
async function backToBack(engine: BenchEngine, steps: number, runs: number, warmup: number, pauseMs = 0): Promise<Summary> {
  const row: Row = { id: `b1-t${steps}`, label: '', kind: 'infer', batch: 1, steps };
  const input = randomBatch(1, steps, steps);
  for (let i = 0; i < warmup; i++) await runOnce(engine, row, input);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (pauseMs > 0) spin(pauseMs);
    const started = performance.now();
    await runOnce(engine, row, input);
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

/**
 * Busy for `ms` on arithmetic alone: no memory traffic, no allocation and no
 * sleep, so what a prediction after it loses is what the host took while we
 * were not looking. On this shared machine, a 1-token prediction costs 5–11
 * times more after 30 ms of this than right after another, and a tfjs-core
 * tensor on the CPU backend, or a JSON round trip in Python, 2–30 times more
 * (README, Speed): the caches, TLBs and branch predictors go cold.
 */
function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 1;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = x * 1.0000001 + 1e-9;
  return x;
}

async function kernelsPerRun(engine: BenchEngine, row: Row): Promise<number> {
  const input = randomBatch(row.batch, row.steps, 1);
  const info = await tf.profile(async () => {
    await runOnce(engine, row, input);
  });
  return info.kernels.length;
}

/** Largest |p − p_layers| over a batch: the engines must compute the same model. */
function parity(engines: BenchEngine[]): Record<string, number> {
  const input = randomBatch(32, 100, 7);
  const layers = engines.find((e) => e.id === 'tfjs-layers')!.infer(input);
  return Object.fromEntries(
    engines
      .filter((e) => e.id !== 'tfjs-layers')
      .map((e) => [e.id, e.infer(input).reduce((max, p, i) => Math.max(max, Math.abs(p - layers[i])), 0)]),
  );
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function printTable(results: Record<string, Record<EngineId, EngineResult>>, order: EngineId[]): void {
  const names: Record<EngineId, string> = { kernel: '(a) kernel', reference: '(b) reference', 'tfjs-layers': '(c) tfjs-layers' };
  const cell = (r: EngineResult, id: EngineId) =>
    `${fmt(r.medianMs)} / ${fmt(r.p90Ms)}${id === 'tfjs-layers' ? '' : `  ${r.speedupOverLayers.toFixed(1)}×`}`.padEnd(26);
  console.log(`\n${''.padEnd(36)}${order.map((id) => names[id].padEnd(26)).join('')}`);
  console.log(`${'ms: p50 / p90, ×: faster than (c)'.padEnd(36)}${order.map(() => '-'.repeat(24).padEnd(26)).join('')}`);
  for (const row of ROWS) {
    console.log(`${row.label.padEnd(36)}${order.map((id) => cell(results[row.id][id], id)).join('')}`);
  }
  const train = results['train-b32-t100'];
  const epoch = (id: EngineId) =>
    `${((train[id].medianMs * EPOCH_STEPS) / 1000).toFixed(0)} / ${((train[id].p90Ms * EPOCH_STEPS) / 1000).toFixed(0)} s`.padEnd(26);
  console.log(`${`s/epoch (${EPOCH_STEPS} steps, from the step)`.padEnd(36)}${order.map(epoch).join('')}`);
  console.log(`${'tfjs kernels per run (train step)'.padEnd(36)}${order.map((id) => String(train[id].kernelsPerRun).padEnd(26)).join('')}`);
}

interface Options {
  runs: number;
  warmup: number;
  edgeRequests: number;
  threads: number;
  engines: boolean;
  edge: boolean;
}

/** The engines side by side: prints their table and the kernel's own lines, returns what latest.json keeps of them. */
async function benchEngines(options: Options) {
  await startNodeBackend({ threads: options.threads });
  await startNodeBilstmKernel({ threads: options.threads });
  const { layersModel } = await import('../test/support/tfjs-layers'); // after the backend: it needs its module hook
  const values = initialWeights(CONFIG, 1);
  const engines = [await coreEngine('kernel', CONFIG, values), await coreEngine('reference', CONFIG, values), layersEngine(layersModel, CONFIG, values)];
  const order = engines.map((e) => e.id);

  console.log(
    `tutorial model (${countParameters(CONFIG).toLocaleString('en')} parameters), wasm backend (SIMD, ${options.threads} thread${options.threads > 1 ? 's' : ''}), ` +
      `${options.runs} runs after ${options.warmup} warm-up (${options.warmup * 10} at batch 1), engines interleaved`,
  );
  const agreement = parity(engines);
  console.log(`same model: max |p − p(c)| on 32 reviews: ${Object.entries(agreement).map(([id, d]) => `${id} ${d.toExponential(1)}`).join(', ')}`);

  const results: Record<string, Record<EngineId, EngineResult>> = {};
  for (const row of ROWS) {
    process.stdout.write(`measuring ${row.label}…\n`);
    const samples = await measure(row, engines, options.runs, options.warmup);
    const layersMedian = summarize(samples['tfjs-layers']).medianMs;
    const rowResults = {} as Record<EngineId, EngineResult>;
    for (const engine of engines) {
      const summary = summarize(samples[engine.id]);
      rowResults[engine.id] = {
        ...summary,
        speedupOverLayers: layersMedian / summary.medianMs,
        kernelsPerRun: await kernelsPerRun(engine, row),
      };
    }
    results[row.id] = rowResults;
  }
  printTable(results, order);

  // Ten times the runs: a batch-1 run takes about a millisecond.
  const t100 = await backToBack(engines[0], 100, options.runs * 10, options.warmup * 10);
  const t20 = await backToBack(engines[0], 20, options.runs * 10, options.warmup * 10);
  const variableLength = { t100, t20 };
  console.log(
    `\nvariable length, (a) kernel, batch 1, back to back (${options.runs * 10} runs): T = 100 p50 ${fmt(variableLength.t100.medianMs)} ms, ` +
      `T = 20 p50 ${fmt(variableLength.t20.medianMs)} ms: T = 20 costs ${(variableLength.t20.medianMs / variableLength.t100.medianMs).toFixed(2)} of T = 100 (target about 1/5)`,
  );
  // Twice the runs after a pause: 60 pauses of 30 ms take under 2 s.
  const coldCaches = {
    pauseMs: COLD_PAUSE_MS,
    t1: await backToBack(engines[0], 1, options.runs * 10, options.warmup * 10),
    t1AfterPause: await backToBack(engines[0], 1, options.runs * 2, 0, COLD_PAUSE_MS),
  };
  console.log(
    `cold caches, (a) kernel, a 1-token text: p50 ${fmt(coldCaches.t1.medianMs)} ms back to back, ${fmt(coldCaches.t1AfterPause.medianMs)} ms after ${COLD_PAUSE_MS} ms ` +
      `of arithmetic that touches no memory (${(coldCaches.t1AfterPause.medianMs / coldCaches.t1.medianMs).toFixed(1)}×): what this host adds to every interleaved run`,
  );

  // Ten times the warm-up, as at batch 1: tfjs's gradient code takes tens of runs to be compiled hot.
  const explain = await benchExplain(options.runs, options.warmup * 10);
  console.log(`\nexplain, the bundled model, one text (p50; occlusion ${Math.max(1, Math.round(options.runs / 5))} runs):`);
  for (const [length, costs] of Object.entries(explain)) {
    console.log(
      `  ${length.padEnd(10)} classify ${fmt(costs.classify.medianMs)} ms, explained by gradient ${fmt(costs.gradient.medianMs)} ms ` +
        `(${(costs.gradient.medianMs / costs.classify.medianMs).toFixed(1)}×), by occlusion ${fmt(costs.occlusion.medianMs)} ms (${(costs.occlusion.medianMs / costs.classify.medianMs).toFixed(0)}×)`,
    );
  }

  const train = results['train-b32-t100'];
  return {
    parity: agreement,
    rows: results,
    variableLength,
    coldCaches,
    explain,
    secondsPerEpoch: {
      steps: EPOCH_STEPS,
      ...Object.fromEntries(order.map((id) => [id, { median: (train[id].medianMs * EPOCH_STEPS) / 1000, p90: (train[id].p90Ms * EPOCH_STEPS) / 1000 }])),
    },
  };
}

/** The worker through wrangler dev: prints its lines, returns them, or why it was skipped. */
async function benchWorker(options: Options): Promise<EdgeResult | { skipped: string }> {
  process.stdout.write('\nstarting wrangler dev…\n');
  try {
    const edge = await benchEdge(review(100), options.edgeRequests);
    console.log(formatEdge(edge));
    return edge;
  } catch (error) {
    const skipped = error instanceof Error ? error.message : String(error);
    console.log(`edge: skipped: ${skipped}`);
    return { skipped };
  }
}

async function main(): Promise<void> {
  const options = new Command('bench')
    .description('Times the fused kernel against the core-op reference and tfjs-layers, then the worker through wrangler dev.')
    .option('--runs <n>', 'timed runs per engine and row', integer(1), 30)
    .option('--warmup <n>', 'untimed runs per engine before each row (ten times that at batch 1)', integer(0), 5)
    .option('--edge-requests <n>', 'timed requests to wrangler dev', integer(1), 200)
    .option('--threads <n>', `threads (1 to ${MAX_THREADS}) for the matrix products, the same for every engine, and for the kernel's two directions (2 at most)`, integer(1), Math.min(availableParallelism(), MAX_THREADS))
    .option('--no-engines', 'skip the engines (their table, the back-to-back, cold-cache and explain lines) and time only the worker: a minute or two, not eight')
    .option('--no-edge', 'skip the wrangler dev part')
    .parse()
    .opts<Options>();

  const loadAtStart = loadavg();
  console.log(`${cpus().length} cores, load average ${loadAtStart[0].toFixed(1)} at start: absolute times are inflated by other load; compare the ratios`);
  // The worker first, from a client that has run nothing else: timed after the engines, its
  // requests were slower (classify 3.10-3.28 ms in two runs, 2.78-2.96 in eight runs alone).
  const edge = options.edge ? await benchWorker(options) : { skipped: '--no-edge' };
  const engines = options.engines ? await benchEngines(options) : { skipped: '--no-engines' };

  const loadAtEnd = loadavg();
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFileAtomic(
    RESULTS,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        threads: options.threads,
        loadAverage: { start: loadAtStart[0], end: loadAtEnd[0] },
        model: 'tutorial',
        parameters: countParameters(CONFIG),
        runs: options.runs,
        warmup: options.warmup,
        ...('skipped' in engines ? { engines } : engines),
        edge,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${RESULTS}`);
}

// The wasm backend's glue rethrows uncaught errors with its whole source attached: report them as one line instead.
await main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
