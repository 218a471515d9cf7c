import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArtifact, type NamedTensor } from '../../shared/artifact';
import { Classifier } from '../../shared/classifier';
import { parseModelConfig } from '../../shared/model/config';
import { predict } from '../../shared/model/forward';
import { createModelWeights } from '../../shared/model/weights';
import { TextVectorizer } from '../../shared/text';
import { buildCommand, recipeFromFlags } from '../../training/cli';
import { TrainingError } from '../../training/errors';
import { readArtifactDir } from '../../training/io/atomic-write';
import { loadCheckpoint } from '../../training/loop/checkpoint';
import { evaluate } from '../../training/loop/evaluate';
import type { EpochRecord } from '../../training/loop/fit';
import { train, type TrainingOutcome } from '../../training/train';
import { CLASS_WORDS, syntheticTexts, tinyRun, writeCsv, writeJsonl, type LabelledText } from './fixtures';

/**
 * The whole pipeline, in process, on tiny models and synthetic data sets
 * whose class is decided by a few words among noise words.
 */

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'train-pipeline-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const withoutTimings = (history: EpochRecord[]) => history.map(({ seconds, examplesPerSecond, ...rest }) => rest);

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/** The numbers of the first row `| name | a | b | ... |` after `section` in a Markdown report. */
function tableRow(markdown: string, name: string, section = '# Test report'): number[] {
  const lines = markdown.split('\n');
  const line = lines.slice(lines.findIndex((l) => l.startsWith(section))).find((l) => l.startsWith(`| ${name} |`));
  if (!line) throw new Error(`no row "${name}" in:\n${markdown}`);
  return line.split('|').slice(2, -1).map((cell) => Number(cell.trim().replaceAll(',', '')));
}

/** The words the test report lists under `label` as having driven the answers, from the most pushing on. */
function influentialWords(markdown: string, label: string): string[] {
  const lines = markdown.split('\n');
  const row = lines.slice(lines.indexOf('## Words that drove the answers')).find((line) => line.startsWith(`| ${label} |`));
  if (!row) throw new Error(`no words listed for "${label}" in:\n${markdown}`);
  return row.split('|')[2].split(',').map((entry) => entry.trim().split(' ')[0]);
}

/** Each label's words that drove the answers hold at least 4 of its class words, and none of another's. */
function expectClassWordsListed(report: string, labels: readonly string[]): void {
  for (const label of labels) {
    const listed = influentialWords(report, label);
    expect(listed.filter((word) => CLASS_WORDS[label].includes(word)).length, `${label}: ${listed}`).toBeGreaterThanOrEqual(4);
    const others = labels.filter((other) => other !== label).flatMap((other) => CLASS_WORDS[other]);
    expect(listed.filter((word) => others.includes(word)), label).toEqual([]);
  }
}

/** The probability each text gets for each label from the served artifact, via the worker's Classifier. */
async function classifierProbabilities(artifactDir: string, texts: string[]): Promise<number[][]> {
  const modelJson = await readJson(join(artifactDir, 'model.json'));
  const classifier = await Classifier.load(modelJson, await readFile(join(artifactDir, 'weights.bin')));
  try {
    const labels: string[] = modelJson.labels;
    return classifier.classify(texts).map((c) => labels.map((label) => c.scores.find((s) => s.label === label)!.score));
  } finally {
    classifier.dispose();
  }
}

describe('a binary run on JSONL files with string labels', () => {
  let out: string;
  let testTexts: LabelledText[];
  let outcome: TrainingOutcome;

  beforeAll(async () => {
    const data = join(workDir, 'binary');
    testTexts = syntheticTexts(200, ['neg', 'pos'], 2);
    await writeJsonl(join(data, 'train.jsonl'), syntheticTexts(400, ['pos', 'neg'], 1));
    await writeJsonl(join(data, 'test.jsonl'), testTexts);
    out = join(workDir, 'binary-out');
    outcome = await train(tinyRun({ out, data }));
  });

  it('learns the task and exports the artifact, metrics.json, the learning curve and the test report', async () => {
    expect(outcome.test!.quantized.metrics.accuracy).toBeGreaterThan(0.9);

    const artifact = await readArtifactDir(join(out, 'model'));
    expect(artifact.modelJson.labels).toEqual(['neg', 'pos']);
    expect(artifact.modelJson.weightsManifest[0].weights.every((w) => w.quantization?.dtype === 'uint8')).toBe(true);

    const metrics = await readJson(join(out, 'metrics.json'));
    expect(metrics.history).toHaveLength(3);
    for (const epoch of metrics.history) {
      for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy']) expect(Number.isFinite(epoch[key]), key).toBe(true);
      expect(epoch.validation).toMatchObject({ kind: 'binary', f1: expect.any(Number), rocAuc: expect.any(Number) });
      expect(epoch.examplesPerSecond).toBeGreaterThan(0);
    }
    expect(metrics.history[2].valLoss).toBeLessThan(metrics.history[0].valLoss);
    const bestValLoss = Math.min(...metrics.history.map((e: EpochRecord) => e.valLoss));
    expect(metrics.history[metrics.bestEpoch - 1].valLoss).toBe(bestValLoss);
    expect(metrics.test.quantized.accuracy).toBe(outcome.test!.quantized.metrics.accuracy);
    expect(metrics.test.quantization).toBe('uint8');

    const svg = await readFile(join(out, 'learning-curve.svg'), 'utf8');
    for (const series of ['train-loss', 'validation-loss', 'train-accuracy', 'validation-accuracy']) {
      const group = svg.match(new RegExp(`<g data-series="${series}">([\\s\\S]*?)</g>`));
      expect(group?.[1].match(/<circle [^>]* r="3"/g), series).toHaveLength(3); // one point per epoch
    }

    // The report's confusion matrix must agree with what the served model answers.
    const report = await readFile(join(out, 'test-report.md'), 'utf8');
    const [floatAccuracy, quantizedAccuracy] = tableRow(report, 'accuracy');
    expect(floatAccuracy).toBeCloseTo(outcome.test!.float.metrics.accuracy, 4);
    expect(quantizedAccuracy).toBeCloseTo(outcome.test!.quantized.metrics.accuracy, 4);
    const served = await classifierProbabilities(join(out, 'model'), testTexts.map((e) => e.text));
    const count = (truth: string, predicted: number) =>
      testTexts.filter((e, i) => e.label === truth && (served[i][1] > 0.5 ? 1 : 0) === predicted).length;
    expect(tableRow(report, 'neg', '## Confusion matrix')).toEqual([count('neg', 0), count('neg', 1)]);
    expect(tableRow(report, 'pos', '## Confusion matrix')).toEqual([count('pos', 0), count('pos', 1)]);

    // The words that drove the answers: the words that decide each class among them (the tiny model
    // also leans on a few filler words it met by chance), and never those of the other class.
    expectClassWordsListed(report, ['neg', 'pos']);
  });

  it("gives, through the worker's Classifier, the training-side probabilities of the quantized weights to 1e-6", async () => {
    const texts = testTexts.map((e) => e.text);
    const served = (await classifierProbabilities(join(out, 'model'), texts)).map((scores) => scores[1]);

    // Independently: decode the artifact, build the weights and run the model on fully padded sequences.
    const modelJson = await readJson(join(out, 'model', 'model.json'));
    const { tensors } = await decodeArtifact(modelJson, await readFile(join(out, 'model', 'weights.bin')));
    const config = parseModelConfig(modelJson.modelTopology);
    const vectorizer = TextVectorizer.fromJSON(modelJson.vocabulary);
    const weights = createModelWeights(config, tensors);
    const reference = tf.tidy(() =>
      predict(config, weights, { tokens: tf.tensor2d(vectorizer.encodeBatch(texts), [texts.length, 12], 'int32') }).dataSync(),
    );
    Object.values(weights).forEach((t) => t.dispose());

    const trainingSide = outcome.test!.quantized.probabilities;
    expect(trainingSide).toHaveLength(texts.length);
    const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Math.max(...Array.from(a, (value, i) => Math.abs(value - b[i])));
    expect(maxDifference(served, reference)).toBeLessThan(1e-6);
    expect(maxDifference(served, trainingSide)).toBeLessThan(1e-6);
    // Not trivially equal: the probabilities spread over both classes.
    expect(Math.min(...served)).toBeLessThan(0.2);
    expect(Math.max(...served)).toBeGreaterThan(0.8);
  });
});

it('keeps the end of long texts by default (--truncate start): it learns a class said only at the end, and explain shows those tokens', async () => {
  // 20 words that say nothing, then the 5 to 10 words that decide: past the 12 tokens a sequence keeps.
  const preamble = Array.from({ length: 20 }, (_, i) => `preamble${i}`).join(' ');
  const verdictLast = (count: number, seed: number) =>
    syntheticTexts(count, ['neg', 'pos'], seed).map(({ text, label }) => ({ text: `${preamble} ${text}`, label }));
  const data = join(workDir, 'verdict-last');
  const testTexts = verdictLast(100, 22);
  await writeJsonl(join(data, 'train.jsonl'), verdictLast(400, 21));
  await writeJsonl(join(data, 'test.jsonl'), testTexts);
  const out = join(workDir, 'verdict-last-out');
  const outcome = await train(tinyRun({ out, data }));
  expect(outcome.test!.quantized.metrics.accuracy).toBeGreaterThan(0.9);

  const modelJson = await readJson(join(out, 'model', 'model.json'));
  expect(modelJson.vocabulary.config.truncate).toBe('start');
  expect(modelJson.training.recipe.truncate).toBe('start');
  // Cut at the end instead, every text would be the same 12 preamble tokens: nothing to learn from.
  const { truncate: _, ...cutAtEnd } = modelJson.vocabulary.config;
  const atEnd = TextVectorizer.fromJSON({ ...modelJson.vocabulary, config: cutAtEnd });
  expect(new Set(testTexts.map((e) => atEnd.encode(e.text).join(','))).size).toBe(1);
  expect(recipeFromFlags(buildCommand().parse(['--truncate', 'end'], { from: 'user' }).opts()).truncate).toBe('end');

  const classifier = await Classifier.load(modelJson, await readFile(join(out, 'model', 'weights.bin')));
  try {
    const { text } = testTexts[0];
    const [explained] = classifier.classify([text], { explain: true });
    const words = text.split(' ');
    expect(explained.tokens!.map((t) => t.token)).toEqual(words.slice(-12));
    expect(explained.tokens!.map((t) => text.slice(t.start, t.end))).toEqual(words.slice(-12));
    // The class words, the only ones that matter, push towards the predicted label.
    const classWords = explained.tokens!.filter((t) => !t.token.startsWith('preamble') && !t.token.startsWith('filler'));
    expect(classWords.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...classWords.map((t) => t.contribution))).toBeGreaterThan(0);
  } finally {
    classifier.dispose();
  }
});

it('trains a multi-class model from CSV with named columns, reporting macro-F1 and storing the labels', async () => {
  const data = join(workDir, 'multiclass');
  const classes = ['sport', 'pos', 'neg'];
  const rows = (examples: LabelledText[]) => examples.map((e, i) => [String(i), e.text, e.label]);
  const testTexts = syntheticTexts(150, classes, 5);
  await writeCsv(join(data, 'train.csv'), ['id', 'review', 'category'], rows(syntheticTexts(450, classes, 4)));
  await writeCsv(join(data, 'test.csv'), ['id', 'review', 'category'], rows(testTexts));
  const out = join(workDir, 'multiclass-out');

  const outcome = await train(tinyRun({ out, data, dataOptions: { textField: 'review', labelField: 'category' } }));

  const { modelJson } = await readArtifactDir(join(out, 'model'));
  expect(modelJson.labels).toEqual(['neg', 'pos', 'sport']);
  expect(modelJson.modelTopology).toMatchObject({ output: { activation: 'softmax', units: 3 } });
  const metrics = await readJson(join(out, 'metrics.json'));
  for (const epoch of metrics.history) expect(epoch.validation).toMatchObject({ kind: 'multiclass', macroF1: expect.any(Number) });
  expect(metrics.test.quantized.kind).toBe('multiclass');
  expect(metrics.test.quantized.macroF1).toBeGreaterThan(0.9);

  const report = await readFile(join(out, 'test-report.md'), 'utf8');
  expect(tableRow(report, 'macro-F1')[1]).toBeCloseTo(metrics.test.quantized.macroF1, 4);
  const confusion = modelJson.labels.map((label) => tableRow(report, label, '## Confusion matrix'));
  expect(confusion.flat().reduce((a, b) => a + b)).toBe(150);
  expect(confusion[0][0] + confusion[1][1] + confusion[2][2]).toBe(Math.round(metrics.test.quantized.accuracy * 150));
  expectClassWordsListed(report, classes);

  const served = await classifierProbabilities(join(out, 'model'), testTexts.map((e) => e.text));
  const trainingSide = outcome.test!.quantized.probabilities;
  expect(Math.max(...served.flat().map((p, i) => Math.abs(p - trainingSide[i])))).toBeLessThan(1e-6);
});

it('resumes an interrupted run (mid-epoch, then at an epoch end) to the exact weights and history of an uninterrupted one', async () => {
  const data = await writeJsonl(join(workDir, 'resume', 'train.jsonl'), syntheticTexts(400, ['neg', 'pos'], 6));
  // Dropout and clipping too: a resume must replay their randomness and arithmetic.
  const flags = { epochs: 3, dropout: 0.2, clipNorm: 1 };
  const straightOut = join(workDir, 'resume-straight');
  const straight = await train(tinyRun({ out: straightOut, data, flags }));

  const resumedOut = join(workDir, 'resume-interrupted');
  const stopAfter = (steps: number) => {
    let taken = 0;
    return () => ++taken >= steps;
  };
  // 320 training examples in batches of 16: 20 steps an epoch.
  const first = await train(tinyRun({ out: resumedOut, data, flags, interrupted: stopAfter(27) }));
  expect(first.fit.interrupted).toBe(true);
  expect(existsSync(join(resumedOut, 'model'))).toBe(false);
  expect((await loadCheckpoint(resumedOut))!.state).toMatchObject({ epoch: 1, step: 7 });

  const second = await train(tinyRun({ out: resumedOut, data, flags, resume: true, interrupted: stopAfter(13) }));
  expect(second.fit.interrupted).toBe(true);
  expect((await loadCheckpoint(resumedOut))!.state).toMatchObject({ epoch: 1, step: 20 });

  const last = await train(tinyRun({ out: resumedOut, data, flags, resume: true }));
  expect(last.fit.interrupted).toBe(false);
  expect(withoutTimings(last.fit.history)).toEqual(withoutTimings(straight.fit.history));
  expect(last.fit.weights).toEqual(straight.fit.weights);
  const weightsBin = (out: string) => readFile(join(out, 'model', 'weights.bin'));
  expect(Buffer.compare(await weightsBin(resumedOut), await weightsBin(straightOut))).toBe(0);
});

it('stops early on validation loss and exports the best epoch’s weights, not the last', async () => {
  const data = join(workDir, 'early-stopping');
  await writeJsonl(join(data, 'train.jsonl'), syntheticTexts(400, ['neg', 'pos'], 8));
  // A fifth of the validation labels are flipped: fitting the training data closely first helps, then hurts.
  const flipped = syntheticTexts(100, ['neg', 'pos'], 9).map((e, i) => (i < 20 ? { ...e, label: e.label === 'pos' ? 'neg' : 'pos' } : e));
  await writeJsonl(join(data, 'validation.jsonl'), flipped);
  const out = join(workDir, 'early-stopping-out');
  const patience = 2;

  const outcome = await train(tinyRun({ out, data, flags: { epochs: 8, patience, lr: 0.004, quantization: 'float32' } }));

  const { history, bestEpoch, stoppedEarly } = outcome.fit;
  const valLosses = history.map((e) => e.valLoss);
  expect(stoppedEarly).toBe(true);
  expect(bestEpoch).toBe(valLosses.indexOf(Math.min(...valLosses)) + 1);
  expect(history).toHaveLength(bestEpoch + patience);
  expect((await readJson(join(out, 'metrics.json'))).bestEpoch).toBe(bestEpoch);

  // Score the exported weights, and the last epoch's from the checkpoint, on the validation file.
  const { modelJson, tensors } = await readArtifactDir(join(out, 'model'));
  const config = parseModelConfig(modelJson.modelTopology);
  const vectorizer = TextVectorizer.fromJSON(modelJson.vocabulary);
  const validation = {
    inputs: vectorizer.encodeBatch(flipped.map((e) => e.text)),
    labels: Int32Array.from(flipped, (e) => modelJson.labels.indexOf(e.label)),
    count: flipped.length,
    steps: 12,
  };
  const validationLoss = (named: NamedTensor[]) => {
    const weights = createModelWeights(config, named);
    try {
      return evaluate(config, weights, validation).metrics.loss;
    } finally {
      Object.values(weights).forEach((t) => t.dispose());
    }
  };
  expect(validationLoss(tensors)).toBeCloseTo(history[bestEpoch - 1].valLoss, 6);
  const lastEpochWeights = (await loadCheckpoint(out))!.weights;
  expect(validationLoss(lastEpochWeights)).toBeCloseTo(history.at(-1)!.valLoss, 6);
  expect(history.at(-1)!.valLoss).toBeGreaterThan(history[bestEpoch - 1].valLoss + 0.01);

  // Resumed from its last checkpoint (as after a crash while exporting), the run stays stopped.
  const resumed = await train(tinyRun({ out, data, resume: true, flags: { epochs: 8, patience, lr: 0.004, quantization: 'float32' } }));
  expect(withoutTimings(resumed.fit.history)).toEqual(withoutTimings(history));
  expect(resumed.fit).toMatchObject({ bestEpoch, stoppedEarly: true });
  expect((await readArtifactDir(join(out, 'model'))).tensors).toEqual(tensors);
});

describe('labels', () => {
  const numericData = async (name: string) =>
    writeJsonl(
      join(workDir, name, 'train.jsonl'),
      syntheticTexts(300, ['neg', 'pos'], 10).map((e) => ({ text: e.text, label: e.label === 'pos' ? 1 : 0 })),
    );

  it('--label-names renames the sorted label ids in the artifact', async () => {
    const data = await numericData('label-names');
    const out = join(workDir, 'label-names-out');
    await train(tinyRun({ out, data, labelNames: ['negative', 'positive'], flags: { epochs: 2 } }));
    const modelJson = await readJson(join(out, 'model', 'model.json'));
    expect(modelJson.labels).toEqual(['negative', 'positive']);
    const classifier = await Classifier.load(modelJson, await readFile(join(out, 'model', 'weights.bin')));
    const [positive, negative] = classifier.classify(['great excellent superb wonderful', 'awful terrible dreadful bad']);
    classifier.dispose();
    expect([positive.label, negative.label]).toEqual(['positive', 'negative']);
  });

  it('rejects --label-names of the wrong length before training', async () => {
    const data = await numericData('label-names-wrong');
    const out = join(workDir, 'label-names-wrong-out');
    const run = tinyRun({ out, data, labelNames: ['negative', 'neutral', 'positive'] });
    await expect(train(run)).rejects.toThrow(TrainingError);
    await expect(train(run)).rejects.toThrow('--label-names gives 3 names, but the data has 2 labels (0, 1)');
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  });
});

it('learns the cumulative-sum tagging task to a timestep accuracy of at least 0.95', async () => {
  const out = join(workDir, 'cumsum-out');
  const run = tinyRun({ out, task: 'cumsum', recipe: recipeFromFlags({ task: 'cumsum', epochs: 2, lr: 5e-3 }) });
  const outcome = await train(run);
  expect(outcome.test!.quantized.metrics.accuracy).toBeGreaterThanOrEqual(0.95);
  const printed = run.lines.filter((line) => /^Expected: [01] Predicted [01]$/.test(line));
  expect(printed).toHaveLength(30); // 3 sequences of 10 timesteps, as the tutorial prints them
});
