/**
 * The model that `npm start` serves scores on real IMDB test reviews what the
 * README says it does. The data set lives beside the checkout, not in it; where
 * it is missing, the test says so and skips.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { Classifier } from '../../shared/classifier';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { readJsonl } from '../../training/data/jsonl';

const ROOT = new URL('../../', import.meta.url).pathname;
const IMDB_TEST = join(ROOT, '../shared/data/imdb/test.jsonl.gz');
/** Test lines alternate negative and positive, so any prefix is balanced. 5,000 reviews put the sampling error near ±0.6 points. */
const REVIEWS = 5000;

/** The figure the README states for the bundled model on the full IMDB test set. */
async function readmeAccuracy(): Promise<number> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const match = readme.match(/bundled model scores \*\*(0\.\d+)\*\* on the 25,000 IMDB test reviews/);
  if (!match) throw new Error('README.md does not state the bundled model\'s IMDB test accuracy');
  return Number(match[1]);
}

describe.skipIf(!existsSync(IMDB_TEST))('the bundled model on IMDB', () => {
  it(`classifies ${REVIEWS} IMDB test reviews within 1 point of the README's accuracy`, async () => {
    await startNodeBackend();
    await startNodeBilstmKernel(); // the engine the worker serves with
    const modelDir = join(ROOT, 'worker/model/default');
    const classifier = await Classifier.load(
      JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')),
      new Uint8Array(await readFile(join(modelDir, 'weights.bin'))),
    );
    const reviews = (await readJsonl(IMDB_TEST)).examples.slice(0, REVIEWS);
    const names = ['negative', 'positive'];
    let correct = 0;
    for (let start = 0; start < reviews.length; start += 100) {
      const batch = reviews.slice(start, start + 100);
      classifier.classify(batch.map((r) => r.text)).forEach((result, i) => {
        correct += result.label === names[Number(batch[i].label)] ? 1 : 0;
      });
    }
    classifier.dispose();
    const accuracy = correct / reviews.length;
    console.log(`bundled model: accuracy ${accuracy.toFixed(4)} on ${reviews.length} IMDB test reviews`);
    expect(Math.abs(accuracy - (await readmeAccuracy()))).toBeLessThan(0.01);
  }, 600_000);
});

if (!existsSync(IMDB_TEST)) console.log(`skipping the bundled-model accuracy test: ${IMDB_TEST} is not there`);
