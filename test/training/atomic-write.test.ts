import type { FileHandle } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArtifactError, decodeArtifact, encodeArtifact, type EncodedArtifact } from '../../shared/artifact';
import { readArtifactDir, writeArtifactDir, writeFileAtomic } from '../../training/io/atomic-write';

// Running as root defeats read-only directories, so failures are injected into node:fs/promises instead.
const faults = vi.hoisted(() => ({
  /** Temporary files whose name matches get half their data written, then fail like a full disk. */
  failWritingTemp: undefined as RegExp | undefined,
  /** Renames onto a matching target fail. */
  failRenamingOnto: undefined as RegExp | undefined,
  renamedOnto: [] as string[],
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const diskFull = () => Object.assign(new Error('ENOSPC: no space left on device (injected)'), { code: 'ENOSPC' });
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    if (!faults.failWritingTemp?.test(String(args[0]))) return handle;
    const writeHalfThenFail = async (data: string | Uint8Array) => {
      await handle.writeFile(typeof data === 'string' ? data.slice(0, data.length / 2) : data.subarray(0, data.length / 2));
      throw diskFull();
    };
    return new Proxy(handle, {
      get: (target, key) => (key === 'writeFile' ? writeHalfThenFail : Reflect.get(target, key, target)),
    }) as FileHandle;
  };
  const rename: typeof actual.rename = async (from, to) => {
    if (faults.failRenamingOnto?.test(String(to))) throw Object.assign(new Error('EIO: i/o error (injected)'), { code: 'EIO' });
    faults.renamedOnto.push(String(to));
    return actual.rename(from, to);
  };
  return { ...actual, open, rename };
});

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'atomic-write-'));
  faults.failWritingTemp = undefined;
  faults.failRenamingOnto = undefined;
  faults.renamedOnto = [];
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function artifactWith(values: number[]): Promise<EncodedArtifact> {
  return encodeArtifact({
    tensors: [
      { name: 'kernel', shape: [values.length], values: new Float32Array(values) },
      { name: 'bias', shape: [2], values: new Float32Array([0.5, -0.5]) },
    ],
    precision: (tensor) => (tensor.name === 'kernel' ? 'uint8' : 'float32'),
    modelTopology: { units: values.length },
    vocabulary: ['<pad>', '<unk>'],
    labels: ['negative', 'positive'],
  });
}

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('writeFileAtomic', () => {
  it('creates and then replaces a file, leaving nothing else behind', async () => {
    const path = join(dir, 'metrics.json');
    await writeFileAtomic(path, '{"epoch":1}');
    await writeFileAtomic(path, new TextEncoder().encode('{"epoch":2}'));
    expect(await fs.readFile(path, 'utf8')).toBe('{"epoch":2}');
    expect(await fs.readdir(dir)).toEqual(['metrics.json']);
  });

  it('keeps the old contents, and no temporary file, when the disk fills up mid-write', async () => {
    const path = join(dir, 'metrics.json');
    await writeFileAtomic(path, 'old contents');
    faults.failWritingTemp = /metrics\.json/;
    const error = await expectRejection(writeFileAtomic(path, 'new contents that will not fit'));
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(await fs.readFile(path, 'utf8')).toBe('old contents');
    expect(await fs.readdir(dir)).toEqual(['metrics.json']);
  });
});

describe('writeArtifactDir and readArtifactDir', () => {
  it('write model.json and weights.bin that read back as the same artifact', async () => {
    const artifact = await artifactWith([1, -2, 0, 3]);
    const target = join(dir, 'nested', 'artifact');
    await writeArtifactDir(target, artifact);
    expect((await fs.readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(await readArtifactDir(target)).toEqual(await decodeArtifact(artifact.modelJson, artifact.weightsBin));
  });

  it('put weights.bin in place before model.json', async () => {
    await writeArtifactDir(dir, await artifactWith([1, 2]));
    expect(faults.renamedOnto).toEqual([join(dir, 'weights.bin'), join(dir, 'model.json')]);
  });

  it.each([
    ['weights.bin fills the disk mid-write', () => (faults.failWritingTemp = /weights\.bin/)],
    ['model.json fills the disk mid-write', () => (faults.failWritingTemp = /model\.json/)],
    ['renaming weights.bin into place fails', () => (faults.failRenamingOnto = /weights\.bin$/)],
  ])('keep the previous artifact readable, and no temporary files, when %s', async (_, injectFault) => {
    const previous = await artifactWith([1, -2, 0, 3]);
    await writeArtifactDir(dir, previous);
    injectFault();
    await expectRejection(writeArtifactDir(dir, await artifactWith([9, 8, 7, 6, 5, 4])));
    expect((await fs.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(await readArtifactDir(dir)).toEqual(await decodeArtifact(previous.modelJson, previous.weightsBin));
  });

  it('refuse to write a model.json and weights.bin that do not belong together', async () => {
    const [first, second] = await Promise.all([artifactWith([1, 2]), artifactWith([1, -2])]);
    const target = join(dir, 'artifact');
    const error = await expectRejection(writeArtifactDir(target, { modelJson: first.modelJson, weightsBin: second.weightsBin }));
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).code).toBe('sha256_mismatch');
    await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
  });

  it('report a missing file and a model.json that is not JSON', async () => {
    const missing = await expectRejection(readArtifactDir(join(dir, 'nowhere')));
    expect(missing).toMatchObject({ code: 'missing_file' });

    await writeArtifactDir(dir, await artifactWith([1, 2]));
    await fs.writeFile(join(dir, 'model.json'), '{"format": "bilstm-edge",');
    const garbled = await expectRejection(readArtifactDir(dir));
    expect(garbled).toBeInstanceOf(ArtifactError);
    expect(garbled).toMatchObject({ code: 'invalid_manifest' });
    expect((garbled as Error).message).toContain('model.json is not valid JSON');
  });
});
