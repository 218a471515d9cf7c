/**
 * `npm run train` when the output cannot be written: a disk that fills up
 * mid-run, a folder the user may not write to, a read-only file system. Each
 * gives one line naming the path and the cause, exit code 1, no stack trace,
 * and leaves nothing half-written behind.
 *
 * (cli.test.ts covers bad data, interruptions and an --out blocked by a file.)
 * A full disk and a read-only file system are real tmpfs mounts, so those
 * cases need root with mount rights and are skipped, saying so, elsewhere.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifactDir } from '../../training/io/atomic-write';
import { loadCheckpoint } from '../../training/loop/checkpoint';
import { syntheticTexts, TINY_FLAGS, writeJsonl } from './fixtures';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STACK_FRAME = /^\s+at /m;
/** Who the trainer runs as when the test runs as root, which ignores permission bits. */
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

let workDir: string;
let dataDir: string;
const mounts: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'train-disk-faults-'));
  // Readable by the unprivileged user the permission case runs as.
  await chmod(workDir, 0o755);
  dataDir = join(workDir, 'data');
  await writeJsonl(join(dataDir, 'train.jsonl'), syntheticTexts(800, ['neg', 'pos'], 21));
  await writeJsonl(join(dataDir, 'test.jsonl'), syntheticTexts(100, ['neg', 'pos'], 22));
});

afterAll(async () => {
  for (const mount of mounts) spawnSync('umount', [mount]);
  await rm(workDir, { recursive: true, force: true });
});

/** A tmpfs of `options` at a new folder, or the reason it cannot be had here. */
async function tmpfs(name: string, options: string): Promise<string | { unavailable: string }> {
  const dir = join(workDir, name);
  await mkdir(dir);
  if (!isRoot) return { unavailable: 'mounting a tmpfs needs root' };
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) return { unavailable: `mount failed: ${mounted.stderr.trim()}` };
  mounts.push(dir);
  return dir;
}

function train(out: string, options: { epochs: number; uid?: number }) {
  const args = ['--import', 'tsx', 'training/main.ts', '--data', dataDir, '--out', out, ...TINY_FLAGS, '--epochs', String(options.epochs), '--no-progress'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid, env: { ...process.env, HOME: workDir } }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `dir` whose name marks it as a temporary file of an atomic write. */
async function temporaryFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.tmp')).map((entry) => join(entry.parentPath, entry.name));
}

describe('an output that cannot be written gets one clear line and exit code 1', () => {
  it('a disk that fills up mid-run: "the disk is full", and whatever is left loads or is absent', async (context) => {
    // Room for the first checkpoints (about 20 KiB each) but not for the run.
    const out = await tmpfs('full', 'size=24k');
    if (typeof out !== 'string') return context.skip(out.unavailable);
    const result = await train(out, { epochs: 3 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${out}(/[^:]*)?: the disk is full$`, 'm'));
    expect(result.stderr).not.toMatch(STACK_FRAME);
    // The disk filled up after training had started, not before.
    expect(result.stdout).toContain('data: 640 train');
    expect(await temporaryFiles(out)).toEqual([]);
    // A checkpoint is either absent or complete; no model folder is half there.
    await loadCheckpoint(out);
    const model = join(out, 'model');
    if ((await readdir(out)).includes('model')) await readArtifactDir(model);
  }, 120_000);

  it('an --out inside a folder without write permission: "permission denied", before training', async () => {
    const locked = join(workDir, 'locked');
    await mkdir(locked, { mode: 0o555 });
    await chmod(locked, 0o555);
    const out = join(locked, 'run');
    const result = await train(out, { epochs: 1, uid: isRoot ? NOBODY : undefined });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim()).toBe(`error: ${out}: permission denied`);
    expect(result.stdout).not.toContain('epoch 1');
    expect(await readdir(locked)).toEqual([]);
  }, 120_000);

  it('an --out on a read-only file system: "the file system is read-only", before training', async (context) => {
    const out = await tmpfs('read-only', 'ro,size=64k');
    if (typeof out !== 'string') return context.skip(out.unavailable);
    const result = await train(join(out, 'run'), { epochs: 1 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim()).toBe(`error: ${join(out, 'run')}: the file system is read-only`);
    expect(result.stdout).not.toContain('epoch 1');
  }, 120_000);
});
