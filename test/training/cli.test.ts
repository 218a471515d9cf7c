import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommand } from '../../training/cli';
import { readArtifactDir } from '../../training/io/atomic-write';
import { loadCheckpoint } from '../../training/loop/checkpoint';
import { syntheticTexts, TINY_FLAGS, writeJsonl } from './fixtures';

/**
 * `npm run train` as a user runs it: a child process per case. It runs as
 * `node --import tsx training/main.ts`, the program `npm run train` runs,
 * but in one process: through `npx tsx` a signal would reach npm, not the
 * trainer in its grandchild.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startTrain(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'training/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, finished };
}

const runTrain = (args: readonly string[]) => startTrain(args).finished;

const STACK_FRAME = /^\s+at /m;

let workDir: string;
/** A folder with train.jsonl (800 texts) and test.jsonl (100). */
let dataDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'train-cli-'));
  dataDir = join(workDir, 'data');
  await writeJsonl(join(dataDir, 'train.jsonl'), syntheticTexts(800, ['neg', 'pos'], 11));
  await writeJsonl(join(dataDir, 'test.jsonl'), syntheticTexts(100, ['neg', 'pos'], 12));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

it('--help explains every flag the command accepts', async () => {
  const { code, stdout } = await runTrain(['--help']);
  expect(code).toBe(0);
  const help = stdout.replace(/\s+/g, ' ');
  const options = buildCommand().options;
  expect(options.length).toBeGreaterThan(30);
  for (const option of options) {
    expect(option.description.trim(), `${option.flags} has no help text`).not.toBe('');
    expect(help).toContain(`${option.flags} ${option.description.replace(/\s+/g, ' ')}`);
  }
});

describe.concurrent('bad input gets one clear line and exit code 1, before any training', () => {
  const goodRows = (count: number) => syntheticTexts(count, ['neg', 'pos'], 13);

  async function fileWithBadLine(name: string): Promise<string> {
    const lines = goodRows(200).map((row) => JSON.stringify(row));
    lines.splice(16, 0, '{"text": "a great film", "label": }');
    const file = join(workDir, name, 'train.jsonl');
    await mkdir(join(workDir, name), { recursive: true });
    await writeFile(file, lines.join('\n') + '\n');
    return file;
  }

  const expectCleanFailure = (result: Finished) => {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stdout).not.toContain('epoch 1');
  };

  it('a malformed JSONL row: names the file and line and what was expected', async () => {
    const file = await fileWithBadLine('malformed');
    const result = await runTrain(['--data', file, '--out', join(workDir, 'malformed-out'), '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${file}:17: expected a JSON object with a string field "text" (not valid JSON`);
  });

  it('a CSV row with too many fields: names the file and line', async () => {
    const rows = goodRows(50).map((row) => `"${row.text}",${row.label}`);
    rows.splice(3, 0, 'a great film,pos,extra');
    const file = join(workDir, 'bad-row.csv');
    await writeFile(file, ['text,label', ...rows].join('\n') + '\n');
    const result = await runTrain(['--data', file, '--out', join(workDir, 'bad-row-out'), '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${file}:5: expected 2 fields as in the header, found 3`);
  });

  it('a corrupt gzip file: names the file', async () => {
    const gzipped = gzipSync(goodRows(50).map((row) => JSON.stringify(row)).join('\n'));
    const file = join(workDir, 'corrupt.jsonl.gz');
    await writeFile(file, gzipped.subarray(0, gzipped.length >> 1));
    const result = await runTrain(['--data', file, '--out', join(workDir, 'corrupt-out'), '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${file}: the gzip data is corrupt or truncated`);
  });

  it('--skip-bad-rows reports how many rows it skipped, and trains', async () => {
    const file = await fileWithBadLine('skipped');
    const out = join(workDir, 'skipped-out');
    const result = await runTrain(['--data', file, '--out', out, '--skip-bad-rows', ...TINY_FLAGS, '--epochs', '1', '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`skipped 1 bad rows, e.g.:\n  ${file}:17: expected a JSON object`);
    expect(result.stdout).toContain('data: 160 train / 40 validation');
    const threads = Math.min(availableParallelism(), 8); // --threads' default
    expect(result.stdout).toContain(`kernel engine, ${threads} thread${threads > 1 ? 's' : ''}`);
    expect((await readArtifactDir(join(out, 'model'))).modelJson.labels).toEqual(['neg', 'pos']);
  });

  it('an empty data set', async () => {
    const file = join(workDir, 'empty.jsonl');
    await writeFile(file, '\n\n');
    const result = await runTrain(['--data', file, '--out', join(workDir, 'empty-out'), '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${file}: there are no training examples`);
  });

  it('a data set with a single class', async () => {
    const file = await writeJsonl(join(workDir, 'single-class.jsonl'), goodRows(100).map((row) => ({ ...row, label: 'pos' })));
    const out = join(workDir, 'single-class-out');
    const result = await runTrain(['--data', file, '--out', out, '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${file}: all 100 training examples have the label "pos"; a classifier needs at least two labels`);
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  });

  it('a --data path that does not exist', async () => {
    const missing = join(workDir, 'no-such-data.jsonl');
    const result = await runTrain(['--data', missing, '--out', join(workDir, 'missing-out'), '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${missing}: no such file or folder`);
  });

  it('a bad flag value', async () => {
    const result = await runTrain(['--data', dataDir, '--epochs', '0']);
    expectCleanFailure(result);
    expect(result.stderr).toContain("error: option '--epochs <n>' argument '0' is invalid. expected an integer ≥ 1");
  });

  it('a --truncate side that does not exist: names the choices', async () => {
    const result = await runTrain(['--data', dataDir, '--truncate', 'middle']);
    expectCleanFailure(result);
    expect(result.stderr).toContain("error: option '--truncate <side>' argument 'middle' is invalid. Allowed choices are end, start.");
  });

  it('an --out that cannot be a folder, before reading any data', async () => {
    // Root ignores permission bits, so the folder is made impossible instead: its parent is a file.
    const file = join(workDir, 'file.txt');
    await writeFile(file, 'not a folder');
    const result = await runTrain(['--data', dataDir, '--out', join(file, 'sub'), '--no-progress']);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`error: ${join(file, 'sub')}: part of the path is a file, not a folder`);
    expect(result.stdout).not.toContain('data:');
  });
});

describe('interruptions', () => {
  const EPOCHS = 6;
  const runArgs = (out: string) => ['--data', dataDir, '--out', out, ...TINY_FLAGS, '--epochs', String(EPOCHS), '--seed', '3', '--no-progress'];
  /** The same run, never interrupted: what every interrupted one must end with. */
  let reference: Promise<Buffer>;

  beforeAll(() => {
    const out = join(workDir, 'uninterrupted');
    reference = runTrain(runArgs(out)).then(async (result) => {
      expect(result.code, result.stderr).toBe(0);
      return readFile(join(out, 'model', 'weights.bin'));
    });
  });

  /** Resolves once `out` holds a checkpoint written after `since` (ms since the epoch). */
  async function checkpointWrittenAfter(out: string, since: number): Promise<void> {
    for (;;) {
      const written = await stat(join(out, 'checkpoint', 'model.json')).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      if (written > since) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Kills the child the moment `name` appears in `out`: mid-write, since it is written in full before it is renamed. */
  function killWhenAppears(child: ReturnType<typeof startTrain>['child'], out: string, name: string): void {
    const watcher = watch(out, (_event, file) => {
      if (file !== name) return;
      child.kill('SIGKILL');
      watcher.close();
    });
    child.on('close', () => watcher.close());
  }

  it(
    'kill -9 at any moment leaves a valid checkpoint, and a model folder that is absent or valid; --resume ends as an uninterrupted run',
    async () => {
      const out = join(workDir, 'killed');
      await mkdir(out, { recursive: true });
      const moments = [
        { when: 'right after the first checkpoint', kill: 'after', delay: 0 },
        { when: 'while a checkpoint is written', kill: 'checkpoint.incoming' },
        { when: 'mid-epoch', kill: 'after', delay: 300 },
        { when: 'while the model is exported', kill: 'model.incoming' },
      ] as const;
      let progress = -1;
      for (const [index, moment] of moments.entries()) {
        const started = Date.now();
        const { child, finished } = startTrain([...runArgs(out), ...(index > 0 ? ['--resume'] : [])]);
        if (moment.kill === 'after') {
          await checkpointWrittenAfter(out, started);
          await new Promise((resolve) => setTimeout(resolve, moment.delay));
          child.kill('SIGKILL');
        } else {
          killWhenAppears(child, out, moment.kill);
        }
        const result = await finished;
        expect(result.signal, `${moment.when}: the run ended before the kill\n${result.stdout}${result.stderr}`).toBe('SIGKILL');

        const checkpoint = await loadCheckpoint(out);
        expect(checkpoint, moment.when).not.toBeNull();
        const reached = checkpoint!.state.epoch * 1000 + checkpoint!.state.step;
        expect(reached, moment.when).toBeGreaterThanOrEqual(progress);
        progress = reached;
        if (existsSync(join(out, 'model'))) await readArtifactDir(join(out, 'model'));
      }

      const last = await runTrain([...runArgs(out), '--resume']);
      expect(last.code, last.stderr).toBe(0);
      const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
      expect(metrics.history.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
      const weights = await readFile(join(out, 'model', 'weights.bin'));
      expect(Buffer.compare(weights, await reference)).toBe(0);
    },
    240_000,
  );

  it(
    'Ctrl-C writes a checkpoint where it stands and exits with 130; --resume finishes the run',
    async () => {
      const out = join(workDir, 'ctrl-c');
      const started = Date.now();
      const { child, finished } = startTrain(runArgs(out));
      await checkpointWrittenAfter(out, started);
      child.kill('SIGINT');
      const stopped = await finished;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stderr).toContain('stopping after this step; writing a checkpoint');
      expect(stopped.stderr).not.toMatch(STACK_FRAME);
      expect(stopped.stdout).toContain(`interrupted: checkpoint written to ${out}; continue with --resume`);
      const { state } = (await loadCheckpoint(out))!;
      expect(state.epoch).toBeGreaterThanOrEqual(1);
      expect(state.step).toBeGreaterThanOrEqual(1); // mid-epoch: it did not wait for the epoch to end
      expect(existsSync(join(out, 'model'))).toBe(false);

      const resumed = await runTrain([...runArgs(out), '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(Buffer.compare(await readFile(join(out, 'model', 'weights.bin')), await reference)).toBe(0);
    },
    180_000,
  );
});
