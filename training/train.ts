/**
 * The whole training pipeline, top to bottom: data → vocabulary → encoded
 * splits → training with early stopping → test scores of the float and the
 * quantized model → the artifact the worker serves, with its metrics, learning
 * curve and test report. `cli.ts` turns flags into {@link TrainingRun}.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact, type EncodedArtifact } from '../shared/artifact';
import type { NamedTensor } from '../shared/artifact/named-tensor';
import { startNodeBackend } from '../shared/backend/node';
import { startNodeBilstmKernel } from '../shared/kernels/bilstm/node';
import { setRecurrenceEngine, type RecurrenceEngine } from '../shared/model/ops/recurrence-engine';
import type { ModelConfig } from '../shared/model/config';
import { countParameters } from '../shared/model/parameters';
import { ServingWeights } from '../shared/model/serving-weights';
import { createModelWeights, initialWeights } from '../shared/model/weights';
import type { LoadDatasetOptions } from './data/load-dataset';
import { replaceArtifactDir, writeFileAtomic } from './io/atomic-write';
import { makeDirectory } from './io/make-directory';
import type { EncodedData } from './loop/encoded-data';
import { evaluate, type Evaluation } from './loop/evaluate';
import { fit, type EpochRecord, type FitResult } from './loop/fit';
import type { TrainingRecipe } from './presets';
import { confusionMatrix } from './report/metrics';
import { learningCurveSvg } from './report/learning-curve-svg';
import { testReportMarkdown } from './report/test-report';
import { wordInfluence, type WordInfluence } from './report/word-influence';
import { cumulativeSumData, printCumulativeSumExamples } from './tasks/cumulative-sum';
import type { PreparedData } from './tasks/prepared-data';
import { prepareTextData } from './tasks/text-classification';

export interface TrainingRun {
  task: 'classify' | 'cumsum';
  recipe: TrainingRecipe;
  /** Local data (see `loadDataset`); without it the IMDB tarball is downloaded to the cache. */
  data?: string;
  dataOptions: LoadDatasetOptions;
  /** A separate validation file; otherwise `validationSplit` of the training data, seeded. */
  validation?: string;
  validationSplit: number;
  /** A separate test file; otherwise the data set's own test split, if it has one. */
  test?: string;
  /** Names for the label ids, e.g. `negative,positive` for IMDB's 0 and 1. */
  labelNames?: string[];
  cacheDir?: string;
  seed: number;
  /** The fused wasm kernel (fast), or the tfjs-core reference path it is tested against. */
  engine: RecurrenceEngine;
  /** Threads for the wasm backend's matrix products and the kernel's two directions; default 1. */
  threads?: number;
  out: string;
  resume: boolean;
  progress: boolean;
  /** The command line, recorded in the model's metadata. */
  command: string;
  log: (line: string) => void;
  interrupted?: () => boolean;
}

export interface TrainingOutcome {
  fit: FitResult;
  test?: { float: Evaluation; quantized: Evaluation; influence?: WordInfluence };
  artifactDir: string;
}

/** Runs the pipeline. Resolves when the artifact and reports are written. */
export async function train(run: TrainingRun): Promise<TrainingOutcome> {
  const { recipe, log } = run;
  // An output folder that cannot be written should stop the run now, not after its first epoch.
  await makeDirectory(run.out);
  await access(run.out, constants.W_OK);

  // Data first: its errors should not wait for the backend to start.
  const data = run.task === 'cumsum' ? cumulativeSumData(recipe.model, run.seed) : await prepareTextData(run);
  await startNodeBackend({ threads: run.threads });
  if (run.engine === 'kernel') await startNodeBilstmKernel({ threads: run.threads });
  setRecurrenceEngine(run.engine);
  const model = data.model;
  log(
    `data: ${data.train.count} train / ${data.validation.count} validation / ${data.test?.count ?? 0} test; ` +
      `labels: ${data.labels.join(', ')}; model: ${countParameters(model).toLocaleString('en')} parameters; ` +
      `${run.engine} engine, ${run.threads ?? 1} thread${(run.threads ?? 1) > 1 ? 's' : ''}`,
  );

  const fingerprint = sha256Json({ model, recipe: { ...recipe, epochs: undefined }, seed: run.seed, data: data.dataSha256 });
  const result = await fit({
    config: model,
    train: data.train,
    validation: data.validation,
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    learningRate: recipe.learningRate,
    seed: run.seed,
    dropout: recipe.dropout,
    clipNorm: recipe.clipNorm,
    patience: recipe.patience,
    initialWeights: initialWeights(model, run.seed),
    checkpointDir: run.out,
    checkpointContext: { config: model, vocabulary: data.vectorizer?.toJSON() ?? null, labels: data.labels },
    resume: run.resume,
    fingerprint,
    interrupted: run.interrupted,
    progress: run.progress,
    onEpoch: (record) => log(describeEpoch(record)),
  });
  const artifactDir = join(run.out, 'model');
  if (result.interrupted) {
    log(`interrupted: checkpoint written to ${run.out}; continue with --resume`);
    return { fit: result, artifactDir };
  }
  log(`best epoch: ${result.bestEpoch}${result.stoppedEarly ? ' (stopped early)' : ''}`);

  const artifact = await encodeArtifact({
    tensors: result.weights,
    modelTopology: model as unknown as Record<string, unknown>,
    vocabulary: data.vectorizer?.toJSON() ?? null,
    labels: data.labels,
    precision: recipe.quantization,
    training: {
      command: run.command,
      seed: run.seed,
      dataSha256: data.dataSha256,
      recipe: { ...recipe, model: undefined },
      bestEpoch: result.bestEpoch,
      history: result.history,
      date: new Date().toISOString(),
    },
  });

  // The test split is scored once, at the end, and never used to pick anything.
  const served = data.test && (await decodeArtifact(artifact.modelJson, artifact.weightsBin)).tensors;
  const test = data.test && {
    float: scoreWeights(model, result.weights, data.test),
    quantized: scoreWeights(model, served!, data.test),
    influence: testInfluence(run, data, served!),
  };
  await writeOutputs(run, data, result, artifact, test);
  if (run.task === 'cumsum') printCumulativeSumExamples(model, result.weights, data.test ?? data.validation, run.log);
  return { fit: result, test, artifactDir };
}

/**
 * Test examples explained for the report's words that drove the answers:
 * enough for a word to recur (IMDB's test lines alternate labels, so the
 * first 2,000 are balanced), ~5–10 s for the tutorial model.
 */
const INFLUENCE_EXAMPLES = 2000;

/** For a text classifier, the words that drove its answers on the test split, with the weights as served. */
function testInfluence(run: TrainingRun, data: PreparedData, served: NamedTensor[]): WordInfluence | undefined {
  const { model, test, vectorizer } = data;
  if (!test || !vectorizer || model.input.kind !== 'tokens' || model.output.perTimestep) return undefined;
  run.log(`explaining ${Math.min(INFLUENCE_EXAMPLES, test.count).toLocaleString('en')} test examples by gradient…`);
  const serving = ServingWeights.fromTensors(model, served);
  try {
    return wordInfluence(model, serving, test, vectorizer.vocabulary, data.labels.length, { examples: INFLUENCE_EXAMPLES });
  } finally {
    serving.dispose();
  }
}

function scoreWeights(model: ModelConfig, tensors: NamedTensor[], data: EncodedData): Evaluation {
  const weights = createModelWeights(model, tensors);
  try {
    return evaluate(model, weights, data);
  } finally {
    Object.values(weights).forEach((t) => t.dispose());
  }
}

async function writeOutputs(
  run: TrainingRun,
  data: PreparedData,
  result: FitResult,
  artifact: EncodedArtifact,
  test: TrainingOutcome['test'],
): Promise<void> {
  await replaceArtifactDir(join(run.out, 'model'), artifact);
  const predictedIds = (evaluation: Evaluation) => {
    const units = data.labels.length === 2 ? 1 : data.labels.length;
    return Int32Array.from({ length: evaluation.labels.length }, (_, row) => {
      if (units === 1) return evaluation.probabilities[row] > 0.5 ? 1 : 0;
      const scores = evaluation.probabilities.subarray(row * units, (row + 1) * units);
      return scores.indexOf(Math.max(...scores));
    });
  };
  const examplesPerSecond = result.history.map((r) => r.examplesPerSecond);
  const metrics = {
    modelId: artifact.modelJson.weightsSha256.slice(0, 12),
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    history: result.history,
    examplesPerSecond: examplesPerSecond.length ? examplesPerSecond.reduce((a, b) => a + b) / examplesPerSecond.length : 0,
    test: test && { float: test.float.metrics, quantized: test.quantized.metrics, quantization: run.recipe.quantization },
  };
  await writeFileAtomic(join(run.out, 'metrics.json'), JSON.stringify(metrics, null, 2));
  await writeFileAtomic(
    join(run.out, 'learning-curve.svg'),
    learningCurveSvg(result.history, { title: `bilstm-edge — ${run.task}`, bestEpoch: result.bestEpoch }),
  );
  if (test) {
    const report = testReportMarkdown({
      labels: data.labels,
      float: test.float.metrics,
      quantized: test.quantized.metrics,
      confusion: confusionMatrix(predictedIds(test.quantized), test.quantized.labels, data.labels.length),
      quantization: run.recipe.quantization,
      examples: test.quantized.labels.length,
      influence: test.influence,
    });
    await writeFileAtomic(join(run.out, 'test-report.md'), report);
    run.log(
      `test accuracy: float ${test.float.metrics.accuracy.toFixed(4)}, ${run.recipe.quantization} ${test.quantized.metrics.accuracy.toFixed(4)}`,
    );
  }
  run.log(`wrote ${join(run.out, 'model')} (model ${metrics.modelId}), metrics.json, learning-curve.svg${test ? ', test-report.md' : ''}`);
}

function describeEpoch(record: EpochRecord): string {
  const extra =
    record.validation.kind === 'binary'
      ? `val F1 ${record.validation.f1.toFixed(4)} val AUC ${record.validation.rocAuc.toFixed(4)}`
      : `val macro-F1 ${record.validation.macroF1.toFixed(4)}`;
  return (
    `epoch ${record.epoch}: loss ${record.loss.toFixed(4)} acc ${record.accuracy.toFixed(4)} | ` +
    `val loss ${record.valLoss.toFixed(4)} val acc ${record.valAccuracy.toFixed(4)} ${extra} | ` +
    `${record.seconds.toFixed(0)} s, ${record.examplesPerSecond.toFixed(0)} ex/s`
  );
}

function sha256Json(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
