/**
 * `npm run train -- [flags]`: flags in, a {@link TrainingRun} out, errors as
 * one clear line (file, line and what was expected) instead of a stack trace.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { ArtifactError } from '../shared/artifact';
import { MAX_THREADS } from '../shared/backend/node';
import type { MergeMode } from '../shared/model/config';
import { TRUNCATE_SIDES } from '../shared/text';
import { DataFormatError } from './data/examples';
import { DownloadError } from './data/download';
import { TrainingError } from './errors';
import { CUMSUM, PRESETS, type PresetName, type TrainingRecipe } from './presets';
import { train, type TrainingRun } from './train';

const integer = (min: number, max = Infinity) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidArgumentError(max === Infinity ? `expected an integer ≥ ${min}` : `expected an integer from ${min} to ${max}`);
  }
  return parsed;
};
const fraction = (value: string) => {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed < 1)) throw new InvalidArgumentError('expected a number in [0, 1)');
  return parsed;
};
const positive = (value: string) => {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('expected a positive number');
  return parsed;
};
const integerList = (value: string) =>
  value.split(',').map((part) => {
    const parsed = Number(part);
    if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected comma-separated positive integers, e.g. 64,32');
    return parsed;
  });
const nameList = (value: string) => value.split(',').map((name) => name.trim());

/** File-system errors the user can fix, in words; the error's path says where. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'a file is in the way of a folder of that name',
  EISDIR: 'a folder is in the way of a file of that name',
};

export function buildCommand(): Command {
  return new Command('train')
    .description(
      'Train a bidirectional LSTM text classifier on the wasm backend and export the quantized model the worker serves.\n' +
        'Without --data, the IMDB tarball is downloaded once into the cache folder.',
    )
    .addOption(new Option('--task <task>', 'classify texts, or the tutorial cumulative-sum tagging task').choices(['classify', 'cumsum']).default('classify'))
    .addOption(new Option('--preset <name>', "starting recipe: tutorial = the Keras tutorial's (10k words, a text's last 100 tokens, 5 epochs); best = our IMDB recipe").choices(Object.keys(PRESETS)).default('tutorial'))
    .option('--data <path>', 'local data: an aclImdb folder or .tar.gz, a .jsonl[.gz]/.csv/.tsv file, or a folder with train/validation/test files')
    .addOption(new Option('--format <format>', 'read --data as this format instead of guessing from its name').choices(['aclimdb', 'jsonl', 'csv', 'tsv']))
    .option('--text-field <name>', 'JSONL field or CSV column holding the text', 'text')
    .option('--label-field <name>', 'JSONL field or CSV column holding the label', 'label')
    .option('--label-names <names>', 'comma-separated names for the sorted label ids, e.g. negative,positive', nameList)
    .option('--skip-bad-rows', 'count and report malformed rows instead of stopping at the first', false)
    .option('--validation <path>', 'a validation file, instead of splitting the training data')
    .option('--validation-split <fraction>', 'share of the training data held out for validation (seeded)', fraction, 0.2)
    .option('--test <path>', "a test file, instead of the data set's own test split; scored once, at the end")
    .option('--cache-dir <dir>', 'where the default IMDB download is kept (default: $XDG_CACHE_HOME/bilstm-edge or ~/.cache/bilstm-edge)')
    .option('--vocabulary-size <n>', 'TextVectorization max_tokens, padding and [UNK] included', integer(3))
    .option('--sequence-length <n>', 'tokens per text: longer texts are cut (see --truncate), shorter ones padded at the end', integer(1))
    .option('--strip-html', 'replace HTML tags such as <br /> with spaces before tokenizing')
    .addOption(
      new Option(
        '--truncate <side>',
        "which side of a longer text is cut off: end keeps its first tokens (Keras TextVectorization); start keeps its last ones, where a review's verdict usually is (Keras pad_sequences' default, and both presets')",
      ).choices(TRUNCATE_SIDES),
    )
    .option('--embedding-dim <n>', 'embedding width', integer(1))
    .option('--lstm-units <list>', 'units of each bidirectional LSTM layer, bottom first, e.g. 64,32', integerList)
    .addOption(new Option('--merge-mode <mode>', 'how the two directions combine').choices(['concat', 'sum', 'mul', 'ave']))
    .option('--dense-units <list>', 'units of the relu dense layers before the output, e.g. 64 (0 for none)', (v) => (v === '0' ? [] : integerList(v)))
    .option('--no-mask', 'turn off masking of padding (Keras mask_zero); padding then changes predictions, as in Keras without it')
    .option('--epochs <n>', 'training epochs (the best one is kept)', integer(1))
    .option('--batch-size <n>', 'examples per training step', integer(1))
    .option('--lr <rate>', 'Adam learning rate', positive)
    .option('--dropout <rate>', 'dropout on embeddings and the recurrent output while training', fraction)
    .option('--clip-norm <norm>', 'clip the global gradient norm to this', positive)
    .option('--patience <n>', 'stop after this many epochs without a lower validation loss', integer(1))
    .addOption(new Option('--quantization <dtype>', 'how the exported weights are stored').choices(['uint8', 'float16', 'float32']))
    .addOption(new Option('--engine <engine>', 'the recurrence: the fused WebAssembly SIMD kernel, or the tfjs-core reference path').choices(['kernel', 'reference']).default('kernel'))
    .option('--threads <n>', `threads (1 to ${MAX_THREADS}) for the matrix products and for running the kernel's two directions at once (2 at most); default: this machine's cores, up to ${MAX_THREADS}`, integer(1, MAX_THREADS), Math.min(availableParallelism(), MAX_THREADS))
    .option('--seed <n>', 'seed for the split, the initial weights, shuffling and dropout', integer(0), 42)
    .option('--out <dir>', 'output folder: model/, metrics.json, learning-curve.svg, test-report.md and the checkpoint', 'runs/latest')
    .option('--resume', 'continue from the checkpoint in --out (same data and flags)', false)
    .option('--no-progress', 'no progress bar, only a line per epoch');
}

type Flags = Record<string, unknown>;

/** The preset with every explicit flag applied on top. */
export function recipeFromFlags(flags: Flags): TrainingRecipe {
  const base = flags.task === 'cumsum' ? CUMSUM : PRESETS[flags.preset as PresetName];
  const model = structuredClone(base.model);
  const input = model.input;
  if (input.kind === 'tokens') {
    if (flags.vocabularySize !== undefined) input.vocabularySize = flags.vocabularySize as number;
    if (flags.embeddingDim !== undefined) input.embeddingDim = flags.embeddingDim as number;
    if (flags.mask === false) input.maskZero = false;
  }
  if (flags.lstmUnits !== undefined) {
    const mergeMode = (flags.mergeMode as MergeMode | undefined) ?? model.recurrent[0].mergeMode;
    model.recurrent = (flags.lstmUnits as number[]).map((units) => ({ units, mergeMode }));
  } else if (flags.mergeMode !== undefined) {
    model.recurrent = model.recurrent.map((layer) => ({ ...layer, mergeMode: flags.mergeMode as MergeMode }));
  }
  if (flags.denseUnits !== undefined) model.dense = (flags.denseUnits as number[]).map((units) => ({ units, activation: 'relu' }));
  const pick = <T>(flag: unknown, fallback: T): T => (flag === undefined ? fallback : (flag as T));
  return {
    model,
    vocabularySize: pick(flags.vocabularySize, base.vocabularySize),
    sequenceLength: pick(flags.sequenceLength, base.sequenceLength),
    stripHtml: pick(flags.stripHtml, base.stripHtml),
    truncate: pick(flags.truncate, base.truncate),
    epochs: pick(flags.epochs, base.epochs),
    batchSize: pick(flags.batchSize, base.batchSize),
    learningRate: pick(flags.lr, base.learningRate),
    dropout: pick(flags.dropout, base.dropout),
    clipNorm: pick(flags.clipNorm, base.clipNorm),
    patience: pick(flags.patience, base.patience),
    quantization: pick(flags.quantization, base.quantization),
  };
}

export async function main(argv: string[]): Promise<number> {
  const command = buildCommand();
  command.parse(argv, { from: 'user' });
  const flags = command.opts();
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130); // a second Ctrl-C: stop now
    stopRequested = true;
    console.error('\nstopping after this step; writing a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  const run: TrainingRun = {
    task: flags.task,
    recipe: recipeFromFlags(flags),
    data: flags.data,
    dataOptions: {
      format: flags.format,
      textField: flags.textField,
      labelField: flags.labelField,
      skipBadRows: flags.skipBadRows,
    },
    validation: flags.validation,
    validationSplit: flags.validationSplit,
    test: flags.test,
    labelNames: flags.labelNames,
    cacheDir: flags.cacheDir,
    seed: flags.seed,
    engine: flags.engine,
    threads: flags.threads,
    out: flags.out,
    resume: flags.resume,
    progress: flags.progress,
    command: ['npm run train --', ...argv].join(' '),
    log: (line) => console.log(line),
    interrupted: () => stopRequested,
  };
  try {
    const outcome = await train(run);
    return outcome.fit.interrupted ? 130 : 0;
  } catch (error) {
    if ([DataFormatError, DownloadError, ArtifactError, TrainingError].some((type) => error instanceof type)) {
      console.error(`error: ${(error as Error).message}`);
      return 1;
    }
    const { code, path } = error as NodeJS.ErrnoException;
    if (code !== undefined && code in FILE_PROBLEMS) {
      console.error(`error: ${path ?? flags.out}: ${FILE_PROBLEMS[code]}`);
      return 1;
    }
    // A bug, not bad input: the stack is for the report. (Thrown on, it would pass through
    // the wasm backend's uncaughtException hook, which prints its whole minified source.)
    console.error(`internal error, please report it with the command line: ${(error as Error).stack ?? error}`);
    return 70;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

