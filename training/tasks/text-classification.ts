import type { ModelConfig } from '../../shared/model/config';
import { TextVectorizer } from '../../shared/text';
import { ACL_IMDB_TARBALL, downloadToCache } from '../data/download';
import { DataFormatError, type Example } from '../data/examples';
import { collectLabels, encodeLabels } from '../data/labels';
import { loadDataset, type Dataset } from '../data/load-dataset';
import { splitValidation } from '../data/splits';
import type { EncodedData } from '../loop/encoded-data';
import { downloadProgress } from '../loop/progress';
import type { TrainingRun } from '../train';
import type { PreparedData } from './prepared-data';
import { TrainingError } from '../errors';

/**
 * Loads labelled texts, splits off validation (seeded) unless given, fits the
 * vocabulary on the training split only, and encodes every split. The output
 * layer follows the labels: one sigmoid unit for two, softmax for more.
 */
export async function prepareTextData(run: TrainingRun): Promise<PreparedData> {
  const source = run.data ?? (await downloadImdb(run.cacheDir));
  const dataset: Dataset = await loadDataset(source, run.dataOptions);
  if (dataset.skipped.count > 0) {
    run.log(`skipped ${dataset.skipped.count} bad rows, e.g.:\n  ${dataset.skipped.reasons.join('\n  ')}`);
  }
  // Before splitting: an empty or single-class data set gets its own message, not a split error.
  const labelIds = labelsOf(dataset.train, source);
  const extra = async (path: string) => (await loadDataset(path, run.dataOptions)).train;
  const validationGiven = run.validation ? await extra(run.validation) : dataset.validation;
  const { train, validation } = validationGiven
    ? { train: dataset.train, validation: validationGiven }
    : splitForValidation(dataset.train, run, source);
  const testExamples = run.test ? await extra(run.test) : dataset.test;

  const labels = run.labelNames ?? labelIds;
  if (labels.length !== labelIds.length) {
    throw new TrainingError(`--label-names gives ${labels.length} names, but the data has ${labelIds.length} labels (${labelIds.join(', ')})`);
  }
  const { recipe } = run;
  const binary = labels.length === 2;
  const model: ModelConfig = {
    ...recipe.model,
    output: { ...recipe.model.output, activation: binary ? 'sigmoid' : 'softmax', units: binary ? 1 : labels.length },
  };
  const vectorizer = TextVectorizer.fit(
    train.map((e) => e.text),
    { maxTokens: recipe.vocabularySize, sequenceLength: recipe.sequenceLength, stripHtml: recipe.stripHtml, truncate: recipe.truncate },
  );
  const encode = (examples: Example[]): EncodedData => ({
    inputs: vectorizer.encodeBatch(examples.map((e) => e.text)),
    labels: encodeLabels(examples, labelIds),
    count: examples.length,
    steps: recipe.sequenceLength,
  });
  return {
    model,
    train: encode(train),
    validation: encode(validation),
    test: testExamples && encode(testExamples),
    labels,
    vectorizer,
    dataSha256: dataset.sha256,
  };
}

function labelsOf(examples: Example[], source: string): string[] {
  try {
    return collectLabels(examples);
  } catch (error) {
    if (!(error instanceof DataFormatError)) throw error;
    throw new DataFormatError(`${source}: ${error.message}`);
  }
}

function splitForValidation(examples: Example[], run: TrainingRun, source: string): { train: Example[]; validation: Example[] } {
  try {
    return splitValidation(examples, { seed: run.seed, fraction: run.validationSplit });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new TrainingError(`${source}: ${error.message}; use more data, another --validation-split, or a --validation file`);
  }
}

/** The default data: the official IMDB tarball, downloaded once into the cache, with a progress bar. */
async function downloadImdb(cacheDir: string | undefined): Promise<string> {
  const bar = downloadProgress(ACL_IMDB_TARBALL.fileName);
  try {
    return await downloadToCache({ cacheDir, onProgress: bar.update });
  } finally {
    bar.stop();
  }
}
