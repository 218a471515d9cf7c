import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` whose error names the real cause. Node 20's recursive `mkdir`
 * reports ENOENT when the folder cannot be made because the file system is
 * read-only (measured: EROFS becomes ENOENT), which would read as "no such
 * folder". On ENOENT this makes the first missing folder on its own, which
 * fails with the true code (EROFS, EACCES, ENOTDIR, …) and that folder's path.
 *
 * @example
 * ```ts
 * await makeDirectory('/mnt/readonly/run');
 * // rejects: EROFS: read-only file system, mkdir '/mnt/readonly/run'
 * ```
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = path;
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) missing = dirname(missing);
    await mkdir(missing); // throws the real error; if it succeeds, the folder appeared meanwhile
    await mkdir(path, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
