/**
 * A damaged or inconsistent model never loads, so it can never answer
 * wrongly: each way an artifact can be broken gives its own clear error,
 * from the bytes in memory and from the files on disk.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArtifactError, canonicalJson, manifestSha256, MODEL_JSON_FILE, WEIGHTS_FILE } from '../../shared/artifact';
import { startNodeBackend } from '../../shared/backend/node';
import { Classifier, ModelMismatchError } from '../../shared/classifier';
import { readArtifactDir } from '../../training/io/atomic-write';
import { brokenArtifacts, type BrokenArtifact } from '../support/broken-artifacts';

const MODEL_DIR = new URL('../../worker/model/default/', import.meta.url).pathname;

const modelJson: Record<string, unknown> = JSON.parse(await readFile(join(MODEL_DIR, MODEL_JSON_FILE), 'utf8'));
const weights = new Uint8Array(await readFile(join(MODEL_DIR, WEIGHTS_FILE)));
const broken = await brokenArtifacts(modelJson, weights);

beforeAll(() => startNodeBackend());

/** The error `Classifier.load` gives, or fails the test if it loads. */
async function loadError(files: { modelJson: unknown; weights: Uint8Array }): Promise<Error> {
  let classifier: Classifier | undefined;
  try {
    classifier = await Classifier.load(files.modelJson, files.weights);
  } catch (error) {
    return error as Error;
  }
  classifier.dispose();
  throw new Error('the broken model loaded');
}

function expectFailure(error: Error, failure: BrokenArtifact['failure']): void {
  if ('code' in failure) {
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).code).toBe(failure.code);
  } else {
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect(error.message).toMatch(failure.mismatch);
  }
}

describe('a broken model artifact never loads', () => {
  it('the intact bundled model loads, as the baseline', async () => {
    const classifier = await Classifier.load(modelJson, weights);
    expect(classifier.info.labels).toEqual(modelJson.labels);
    classifier.dispose();
  });

  it.each(broken.map((artifact) => [artifact.name, artifact] as const))('%s: gives the error that names what is wrong', async (_, artifact) => {
    expectFailure(await loadError(artifact), artifact.failure);
  });

  it('reads the same errors from files on disk (readArtifactDir)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-integrity-'));
    try {
      for (const artifact of broken.filter((b) => 'code' in b.failure)) {
        await writeFile(join(dir, MODEL_JSON_FILE), JSON.stringify(artifact.modelJson));
        await writeFile(join(dir, WEIGHTS_FILE), artifact.weights);
        const error = await readArtifactDir(dir).then(
          () => new Error(`${artifact.name}: loaded`),
          (caught: Error) => caught,
        );
        expectFailure(error, artifact.failure);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('manifestSha256', () => {
  it('survives re-serialisation: pretty-printed, keys in another order', async () => {
    const reordered = Object.fromEntries(Object.entries(modelJson).reverse());
    const pretty = JSON.parse(JSON.stringify(reordered, null, 2));
    const classifier = await Classifier.load(pretty, weights);
    expect(classifier.info.id).toBe((modelJson.weightsSha256 as string).slice(0, 12));
    classifier.dispose();
  });

  it('is the sha256 of the canonical JSON without the field, which any language can recompute', async () => {
    const { manifestSha256: stored, ...rest } = modelJson;
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(canonicalJson(rest)).digest('hex')).toBe(stored);
    expect(await manifestSha256(modelJson)).toBe(stored);
  });

  it('canonicalJson sorts keys at every depth and keeps every value', () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'x', ['__proto__']: 1 })).toBe('{"__proto__":1,"a":"x","b":[1,{"c":null,"d":true}]}');
    const keyOrderShuffled = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(keyOrderShuffled);
      if (typeof value !== 'object' || value === null) return value;
      return JSON.parse(`{${Object.entries(value).reverse().map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(keyOrderShuffled(v))}`).join(',')}}`);
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(canonicalJson(keyOrderShuffled(value))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
