/**
 * The model input path on arbitrary texts: the bundled model, through
 * `Classifier.classify`, as the worker calls it. Whatever the text, the
 * answer is a probability distribution, and batching changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../shared/backend/node';
import { Classifier, type Classification } from '../../shared/classifier';
import { fuzz } from '../support/fuzz';
import { anyText } from '../support/text-arbitraries';

const MODEL_DIR = new URL('../../worker/model/default/', import.meta.url).pathname;

let classifier: Classifier;
let vocabulary: string[];

beforeAll(async () => {
  await startNodeBackend();
  const [modelJson, weights] = await Promise.all([
    readFile(join(MODEL_DIR, 'model.json'), 'utf8').then(JSON.parse),
    readFile(join(MODEL_DIR, 'weights.bin')),
  ]);
  vocabulary = modelJson.vocabulary.vocabulary;
  classifier = await Classifier.load(modelJson, weights);
});

afterAll(() => classifier?.dispose());

/** What is wrong with one result, as plain comparisons. */
function resultProblems(result: Classification, text: string): string[] {
  const problems: string[] = [];
  const { scores } = result;
  if (scores.map((s) => s.label).sort().join('\n') !== [...classifier.info.labels].sort().join('\n')) problems.push('not one score per label');
  if (!scores.every((s) => Number.isFinite(s.score) && s.score >= 0 && s.score <= 1)) problems.push('a score outside [0, 1]');
  const sum = scores.reduce((total, s) => total + s.score, 0);
  if (!(Math.abs(sum - 1) <= 1e-6)) problems.push(`scores sum to ${sum}`);
  if (!scores.every((s, i) => i === 0 || scores[i - 1].score >= s.score)) problems.push('scores not sorted');
  if (result.label !== scores[0].label || result.score !== scores[0].score) problems.push('label is not the best score');
  for (const token of result.tokens ?? []) {
    if (!Number.isFinite(token.contribution)) problems.push(`contribution of "${token.token}" is ${token.contribution}`);
    if (text.slice(token.start, token.end) === '' || token.end > text.length) problems.push(`span of "${token.token}" is outside the text`);
  }
  return problems;
}

function expectSameScores(actual: Classification, expected: Classification): void {
  expect(actual.scores.map((s) => s.label)).toEqual(expected.scores.map((s) => s.label));
  actual.scores.forEach((s, k) => expect(Math.abs(s.score - expected.scores[k].score)).toBeLessThanOrEqual(1e-5));
}

describe('Classifier fuzzing', () => {
  it('answers a probability distribution for any texts, the same in a batch as alone, leaking no tensor', async () => {
    const text = anyText({ words: vocabulary.slice(2, 400), maxPieces: 30 });
    const tensorsBefore = tf.memory().numTensors;
    await fuzz(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), fc.constantFrom(false, true, 'occlusion' as const, 'gradient' as const), (texts, explain) => {
        const batch = classifier.classify(texts, { explain });
        expect(batch).toHaveLength(texts.length);
        batch.forEach((result, i) => {
          expect(resultProblems(result, texts[i])).toEqual([]);
          // Masking: padding a text to the longest of its batch changes nothing.
          expectSameScores(classifier.classify([texts[i]])[0], result);
        });
      }),
      { numRuns: 400, timeLimitMs: 25_000 },
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('answers texts at the worker limit (20,000 characters) and texts without any token', () => {
    const long = 'a wonderful film but the plot is awful '.repeat(600).slice(0, 20_000);
    for (const text of [long, '\uD800'.repeat(20_000), '!!! ???', ' ', '']) {
      const [byOcclusion] = classifier.classify([text], { explain: 'occlusion' });
      const [byGradient] = classifier.classify([text], { explain: 'gradient' });
      for (const result of [byOcclusion, byGradient]) expect(resultProblems(result, text)).toEqual([]);
      expect(byGradient.tokens!.map((t) => t.start)).toEqual(byOcclusion.tokens!.map((t) => t.start));
    }
  });
});
