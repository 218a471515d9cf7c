import { readFile } from 'node:fs/promises';
import type { ExplainMethod } from '../shared/classifier';
import { Classifier } from '../shared/classifier';
import { review } from './review';
import { summarize, type Summary } from './stats';

const MODEL_DIR = new URL('../worker/model/default/', import.meta.url);
/** A comment, a review, and the most the bundled model reads. */
const LENGTHS = [20, 100, 200];

export type ExplainResult = Record<string, Record<'classify' | ExplainMethod, Summary>>;

function time(run: () => void, runs: number, warmup: number): Summary {
  // The first runs compile, and fill the projection table's rows.
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

/**
 * The bundled model as the worker serves it, one text at a time: a classify,
 * and the same classify explained by gradient and by occlusion, for texts of
 * 20, 100 and 200 words, after `warmup` untimed runs of each. Occlusion
 * runs a fifth as often, after one: it takes up to half a second a text.
 */
export async function benchExplain(runs: number, warmup: number): Promise<ExplainResult> {
  const classifier = await Classifier.load(
    JSON.parse(await readFile(new URL('model.json', MODEL_DIR), 'utf8')),
    new Uint8Array(await readFile(new URL('weights.bin', MODEL_DIR))),
  );
  const result: ExplainResult = {};
  for (const words of LENGTHS) {
    const texts = [review(words)];
    result[`${words} words`] = {
      classify: time(() => classifier.classify(texts), runs, warmup),
      gradient: time(() => classifier.classify(texts, { explain: 'gradient' }), runs, warmup),
      occlusion: time(() => classifier.classify(texts, { explain: 'occlusion' }), Math.max(1, Math.round(runs / 5)), 1),
    };
  }
  classifier.dispose();
  return result;
}
