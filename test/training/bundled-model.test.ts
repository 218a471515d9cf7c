/**
 * The model that `npm start` serves scores on real IMDB test reviews what the
 * README says it does. The data set lives beside the checkout, not in it; where
 * it is missing, the test says so and skips.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { Classifier } from '../../shared/classifier';
import { startNodeBilstmKernel } from '../../shared/kernels/bilstm/node';
import { readJsonl } from '../../training/data/jsonl';

const ROOT = new URL('../../', import.meta.url).pathname;
const IMDB_TEST = join(ROOT, '../shared/data/imdb/test.jsonl.gz');
/** Test lines alternate negative and positive, so any prefix is balanced. 5,000 reviews put the sampling error near ±0.6 points. */
const REVIEWS = 5000;
/** Reviews explained both ways, cut to their first 60 words: occlusion costs ~30 ms a review at that length, ~0.4 s at the model's 200 tokens. */
const EXPLAINED = 100;
const EXPLAINED_WORDS = 60;

/** The figure the README states for the bundled model on the full IMDB test set. */
async function readmeAccuracy(): Promise<number> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const match = readme.match(/bundled model scores \*\*(0\.\d+)\*\* on the 25,000 IMDB test reviews/);
  if (!match) throw new Error('README.md does not state the bundled model\'s IMDB test accuracy');
  return Number(match[1]);
}

/** Spearman's rank correlation (no ties expected among float contributions). */
function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  const ranks = (values: readonly number[]) => {
    const rank = new Array<number>(values.length);
    values
      .map((value, index) => ({ value, index }))
      .sort((x, y) => x.value - y.value)
      .forEach(({ index }, position) => (rank[index] = position));
    return rank;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const n = a.length;
  const squaredDifferences = ra.reduce((sum, r, i) => sum + (r - rb[i]) ** 2, 0);
  return 1 - (6 * squaredDifferences) / (n * (n * n - 1));
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

describe.skipIf(!existsSync(IMDB_TEST))('the bundled model on IMDB', () => {
  let classifier: Classifier;
  let reviews: { text: string; label: number | string }[];

  beforeAll(async () => {
    await startNodeBackend();
    await startNodeBilstmKernel(); // the engine the worker serves with
    const modelDir = join(ROOT, 'worker/model/default');
    classifier = await Classifier.load(
      JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')),
      new Uint8Array(await readFile(join(modelDir, 'weights.bin'))),
    );
    reviews = (await readJsonl(IMDB_TEST)).examples.slice(0, REVIEWS);
  }, 120_000);

  afterAll(() => classifier?.dispose());

  it(`classifies ${REVIEWS} IMDB test reviews within 1 point of the README's accuracy`, async () => {
    const names = ['negative', 'positive'];
    let correct = 0;
    for (let start = 0; start < reviews.length; start += 100) {
      const batch = reviews.slice(start, start + 100);
      classifier.classify(batch.map((r) => r.text)).forEach((result, i) => {
        correct += result.label === names[Number(batch[i].label)] ? 1 : 0;
      });
    }
    const accuracy = correct / reviews.length;
    console.log(`bundled model: accuracy ${accuracy.toFixed(4)} on ${reviews.length} IMDB test reviews`);
    expect(Math.abs(accuracy - (await readmeAccuracy()))).toBeLessThan(0.01);
  }, 600_000);

  it(`explains ${EXPLAINED} reviews by gradient much as by occlusion: the same words, ranked alike, pushing the same way`, () => {
    const correlations: number[] = [];
    let strongest = 0;
    let strongestAmongTop3 = 0;
    let topTenSame = 0;
    for (let k = 0; k < EXPLAINED; k++) {
      const text = reviews[k * (REVIEWS / EXPLAINED)].text.split(/\s+/).slice(0, EXPLAINED_WORDS).join(' ');
      const [byOcclusion] = classifier.classify([text], { explain: 'occlusion' });
      const [byGradient] = classifier.classify([text], { explain: 'gradient' });
      expect(byGradient.tokens!.map(({ token, start, end }) => ({ token, start, end }))).toEqual(
        byOcclusion.tokens!.map(({ token, start, end }) => ({ token, start, end })),
      );
      expect(Math.abs(byGradient.score - byOcclusion.score)).toBeLessThan(1e-6);
      const occlusion = byOcclusion.tokens!.map((t) => t.contribution);
      const gradient = byGradient.tokens!.map((t) => t.contribution);
      correlations.push(rankCorrelation(occlusion, gradient));
      const byMagnitude = (values: number[]) => values.map((_, i) => i).sort((i, j) => Math.abs(values[j]) - Math.abs(values[i]));
      const [first] = byMagnitude(occlusion);
      strongest += byMagnitude(gradient)[0] === first ? 1 : 0;
      strongestAmongTop3 += byMagnitude(gradient).slice(0, 3).includes(first) && Math.sign(gradient[first]) === Math.sign(occlusion[first]) ? 1 : 0;
      topTenSame += byMagnitude(occlusion)
        .slice(0, 10)
        .filter((i) => Math.sign(gradient[i]) === Math.sign(occlusion[i])).length;
    }
    console.log(
      `explain by gradient against occlusion on ${EXPLAINED} IMDB reviews of ${EXPLAINED_WORDS} words: median rank correlation ` +
        `${median(correlations).toFixed(3)} (lowest ${Math.min(...correlations).toFixed(3)}), the strongest word the same ${strongest}/${EXPLAINED}, ` +
        `among the gradient's top 3 with its sign ${strongestAmongTop3}/${EXPLAINED}, the sign of occlusion's top 10 words ${topTenSame}/${EXPLAINED * 10}`,
    );
    expect(median(correlations)).toBeGreaterThan(0.95);
    expect(strongestAmongTop3 / EXPLAINED).toBeGreaterThan(0.9);
    expect(topTenSame / (EXPLAINED * 10)).toBeGreaterThan(0.95);
  }, 600_000);
});

if (!existsSync(IMDB_TEST)) console.log(`skipping the bundled-model accuracy test: ${IMDB_TEST} is not there`);
