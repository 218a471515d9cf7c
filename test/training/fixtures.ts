/**
 * Small data sets and a tiny recipe for training tests: fast enough to train
 * in seconds on two cores, yet with a signal a BiLSTM must find.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildCommand, recipeFromFlags } from '../../training/cli';
import type { TrainingRun } from '../../training/train';
import { createRandom } from '../../shared/random';

/** Words that decide a text's class, one list per class. */
export const CLASS_WORDS: Record<string, string[]> = {
  pos: ['good', 'great', 'excellent', 'wonderful', 'superb', 'lovely', 'brilliant', 'fine'],
  neg: ['bad', 'awful', 'terrible', 'poor', 'dreadful', 'boring', 'horrible', 'weak'],
  sport: ['match', 'goal', 'team', 'coach', 'league', 'score', 'player', 'season'],
};

/** Words that say nothing about the class. */
const NOISE_WORDS = Array.from({ length: 60 }, (_, i) => `filler${i}`);

export interface LabelledText {
  text: string;
  label: string;
}

/**
 * `count` texts of 5 to 10 words, each with 2 or 3 words of its class and
 * noise words around them, classes in turn.
 *
 * @example
 * syntheticTexts(2, ['neg', 'pos'], 1); // [{ text: 'filler3 awful filler17 bad', label: 'neg' }, ...]
 */
export function syntheticTexts(count: number, labels: readonly string[], seed: number): LabelledText[] {
  const random = createRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  return Array.from({ length: count }, (_, i) => {
    const label = labels[i % labels.length];
    const words = Array.from({ length: 5 + Math.floor(random() * 6) }, () => pick(NOISE_WORDS));
    const signal = 2 + Math.floor(random() * 2);
    for (let k = 0; k < signal; k++) words[Math.floor(random() * words.length)] = pick(CLASS_WORDS[label]);
    return { text: words.join(' '), label };
  });
}

/** Writes one JSON value a line, creating the folder; returns the path. */
export async function writeJsonl(path: string, records: readonly unknown[]): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  return path;
}

/** A CSV file with the given header; fields are quoted, so texts may hold commas. */
export async function writeCsv(path: string, header: readonly string[], rows: readonly string[][]): Promise<string> {
  const quote = (field: string) => `"${field.replaceAll('"', '""')}"`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, [header, ...rows].map((row) => row.map(quote).join(',')).join('\n') + '\n');
  return path;
}

/**
 * The command-line flags of a tiny model: vocabulary 200, 12 tokens,
 * embedding 8, one BiLSTM of 6 units, no dense layer, batch 16, Adam 0.01.
 */
export const TINY_FLAGS = [
  '--vocabulary-size', '200',
  '--sequence-length', '12',
  '--embedding-dim', '8',
  '--lstm-units', '6',
  '--dense-units', '0',
  '--batch-size', '16',
  '--lr', '0.01',
] as const;

/**
 * An in-process run of the tiny model ({@link TINY_FLAGS}, parsed as the CLI
 * parses them) for 3 epochs, with `flags` (parsed option names) applied over
 * it; quiet (no progress bar), collecting its log lines in `lines`.
 *
 * @example
 * const run = tinyRun({ out, data, flags: { epochs: 1, dropout: 0.2 } });
 * await train(run);
 * run.lines; // ['data: 320 train / 80 validation / 0 test; ...', 'epoch 1: ...', ...]
 */
export function tinyRun(
  options: { out: string; flags?: Record<string, unknown> } & Partial<TrainingRun>,
): TrainingRun & { lines: string[] } {
  const { flags, ...overrides } = options;
  const lines: string[] = [];
  return {
    task: 'classify',
    recipe: recipeFromFlags({ ...buildCommand().parse([...TINY_FLAGS], { from: 'user' }).opts(), epochs: 3, patience: 5, ...flags }),
    dataOptions: {},
    validationSplit: 0.2,
    seed: 7,
    engine: 'kernel',
    resume: false,
    progress: false,
    command: 'test',
    log: (line) => lines.push(line),
    lines,
    ...overrides,
  };
}
