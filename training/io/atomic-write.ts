import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeArtifact, type DecodedArtifact } from '../../shared/artifact/decode-artifact';
import type { EncodedArtifact } from '../../shared/artifact/encode-artifact';
import { ArtifactError } from '../../shared/artifact/errors';
import { MODEL_JSON_FILE, WEIGHTS_FILE } from '../../shared/artifact/manifest';
import { verifyArtifact } from '../../shared/artifact/verify-artifact';
import { makeDirectory } from './make-directory';

interface FileToWrite {
  path: string;
  data: string | Uint8Array;
}

/**
 * Writes a file so that readers see either the old contents or the new, never
 * a mixture: the data goes to a temporary file in the same directory, is
 * flushed to disk, then renamed over the target. If anything fails, the
 * target is untouched and the temporary file is removed.
 *
 * @example
 * ```ts
 * await writeFileAtomic('runs/imdb/metrics.json', JSON.stringify(metrics));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await replaceFiles([{ path, data }]);
}

/**
 * Writes an encoded artifact as `model.json` and `weights.bin` in `dir`,
 * creating `dir` if needed. Both files are written and flushed under
 * temporary names first, so a failure part-way leaves the previous artifact
 * intact and no temporary files behind. Then `weights.bin` is renamed into
 * place before `model.json`, so a new `model.json` never names weights that
 * are not there yet. Between the two renames (microseconds, or for good if
 * the process dies right there) a reader may pair the old `model.json` with
 * the new weights; it then gets `sha256_mismatch`, never wrong numbers.
 *
 * @throws ArtifactError when `artifact` is itself inconsistent (see
 *   `verifyArtifact`); nothing is written then
 *
 * @example
 * ```ts
 * const artifact = await encodeArtifact({ tensors, modelTopology, vocabulary, labels });
 * await writeArtifactDir('runs/imdb/artifact', artifact);
 * ```
 */
export async function writeArtifactDir(dir: string, artifact: EncodedArtifact): Promise<void> {
  await verifyArtifact(artifact.modelJson, artifact.weightsBin);
  await makeDirectory(dir);
  await replaceFiles([
    { path: join(dir, WEIGHTS_FILE), data: artifact.weightsBin },
    { path: join(dir, MODEL_JSON_FILE), data: JSON.stringify(artifact.modelJson) },
  ]);
}

/**
 * `dir` and the two folders {@link replaceArtifactDir} writes beside it: if a
 * process dies between its renames, `dir` is absent and the new artifact (or
 * the old one) is in one of the others.
 *
 * @example
 * ```ts
 * artifactDirVersions('runs/imdb/model'); // ['runs/imdb/model', 'runs/imdb/model.incoming', 'runs/imdb/model.outgoing']
 * ```
 */
export function artifactDirVersions(dir: string): [current: string, incoming: string, outgoing: string] {
  return [dir, `${dir}.incoming`, `${dir}.outgoing`];
}

/**
 * Replaces the artifact folder `dir` as a whole, so that a `kill -9` at any
 * instant leaves `dir` absent, the complete old artifact or the complete new
 * one, never a mixture: the new artifact is written in full beside it, then
 * the old folder is renamed away and the new one into place. Leftovers of an
 * interrupted call are removed by the next.
 *
 * @throws ArtifactError when `artifact` is itself inconsistent; nothing changes then
 *
 * @example
 * ```ts
 * await replaceArtifactDir('runs/imdb/model', await encodeArtifact({ tensors, modelTopology, vocabulary, labels }));
 * ```
 */
export async function replaceArtifactDir(dir: string, artifact: EncodedArtifact): Promise<void> {
  const [, incoming, outgoing] = artifactDirVersions(dir);
  await rm(incoming, { recursive: true, force: true });
  await writeArtifactDir(incoming, artifact);
  await rm(outgoing, { recursive: true, force: true });
  try {
    await rename(dir, outgoing);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await rename(incoming, dir);
  await syncDirectories([dirname(dir)]);
  await rm(outgoing, { recursive: true, force: true });
}

/**
 * Reads and verifies the artifact in `dir`, as written by `writeArtifactDir`.
 *
 * @throws ArtifactError `missing_file` when a file is absent, `invalid_manifest`
 *   when `model.json` is not valid JSON, and every error of `decodeArtifact`
 *
 * @example
 * ```ts
 * const { modelJson, tensors } = await readArtifactDir('runs/imdb/artifact');
 * modelJson.labels; // ['negative', 'positive']
 * ```
 */
export async function readArtifactDir(dir: string): Promise<DecodedArtifact> {
  const modelJsonPath = join(dir, MODEL_JSON_FILE);
  const [modelJsonBytes, weights] = await Promise.all([readArtifactFile(modelJsonPath), readArtifactFile(join(dir, WEIGHTS_FILE))]);
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(modelJsonBytes));
  } catch (error) {
    throw new ArtifactError('invalid_manifest', `${modelJsonPath} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return decodeArtifact(modelJson, weights);
}

async function readArtifactFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ArtifactError('missing_file', `${path} does not exist`, { cause: error });
  }
}

// Stages every file before renaming any, so a failure while writing leaves all targets as they were.
async function replaceFiles(files: readonly FileToWrite[]): Promise<void> {
  const staged: string[] = [];
  try {
    for (const file of files) staged.push(await stageFile(file));
    for (const [index, file] of files.entries()) await rename(staged[index], file.path);
  } catch (error) {
    await Promise.all(staged.map((temp) => rm(temp, { force: true })));
    throw error;
  }
  await syncDirectories(files.map((file) => dirname(file.path)));
}

async function stageFile({ path, data }: FileToWrite): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return temp;
}

// A rename survives power loss only once its directory is flushed; Windows cannot open a directory to flush it.
async function syncDirectories(dirs: readonly string[]): Promise<void> {
  if (process.platform === 'win32') return;
  for (const dir of new Set(dirs)) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
