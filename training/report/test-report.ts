import type { Metrics } from './types';
import type { InfluentialWord, WordInfluence } from './word-influence';

export interface TestReportInput {
  /** Label names by class id. */
  labels: string[];
  /** Scores of the model with its float32 weights. */
  float: Metrics;
  /** Scores of the model with the weights as served. */
  quantized: Metrics;
  /** Of the quantized model, `confusion[actual][predicted]`, as `confusionMatrix` returns it. */
  confusion: number[][];
  /** How the served weights are stored, such as `uint8`. */
  quantization: string;
  /** How many test examples were scored. */
  examples: number;
  /** For a text classifier: the words that drove its answers (see `wordInfluence`). */
  influence?: WordInfluence;
}

interface MetricRow {
  name: string;
  pick: (metrics: Metrics) => number;
}

/**
 * A Markdown test report: the float and quantized models' scores side by
 * side with their difference, then the quantized model's confusion matrix
 * under the label names. Binary models show accuracy, the positive label's
 * F1, ROC-AUC and loss; multiclass models show accuracy, macro-F1 and loss,
 * then F1 per label. Label names are escaped, so any text is safe in a cell.
 *
 * @throws RangeError when the two metrics differ in kind, or the labels, the
 *   confusion matrix and the example count do not agree
 *
 * @example
 * ```ts
 * const markdown = testReportMarkdown({
 *   labels: ['neg', 'pos'],
 *   float: binaryMetrics(floatProbabilities, labels),
 *   quantized: binaryMetrics(quantizedProbabilities, labels),
 *   confusion: confusionMatrix(quantizedPredictions, labels, 2),
 *   quantization: 'uint8',
 *   examples: labels.length,
 * });
 * // # Test report
 * // ...
 * // | accuracy | 0.8312 | 0.8305 | -0.0007 |
 * ```
 */
export function testReportMarkdown(input: TestReportInput): string {
  assertConsistent(input);
  const { labels, float, quantized, confusion, quantization, examples } = input;
  const quantizedHeading = `quantized (${escapeMarkdown(quantization)})`;
  const lines = [
    '# Test report',
    '',
    `Scored on ${formatCount(examples)} test examples, with the float32 weights and with the weights as served (${escapeMarkdown(quantization)}); the difference is quantized minus float32.`,
    '',
    `| metric | float32 | ${quantizedHeading} | difference |`,
    '| --- | ---: | ---: | ---: |',
    ...metricRows(labels, float).map(
      ({ name, pick }) =>
        `| ${name} | ${formatScore(pick(float))} | ${formatScore(pick(quantized))} | ${formatDifference(pick(quantized) - pick(float))} |`,
    ),
  ];
  if (float.kind === 'multiclass' && quantized.kind === 'multiclass') {
    lines.push(
      '',
      '## F1 per label',
      '',
      `| label | support | float32 | ${quantizedHeading} |`,
      '| --- | ---: | ---: | ---: |',
      ...labels.map(
        (label, id) =>
          `| ${escapeMarkdown(label)} | ${formatCount(float.perClass[id].support)} | ${formatScore(float.perClass[id].f1)} | ${formatScore(quantized.perClass[id].f1)} |`,
      ),
    );
  }
  lines.push(
    '',
    `## Confusion matrix, ${quantizedHeading}`,
    '',
    'Rows are the true labels, columns the predicted ones.',
    '',
    `| true label | ${labels.map(escapeMarkdown).join(' | ')} |`,
    `| --- |${' ---: |'.repeat(labels.length)}`,
    ...confusion.map((row, actual) => `| ${escapeMarkdown(labels[actual])} | ${row.map(formatCount).join(' | ')} |`),
    '',
  );
  if (input.influence) lines.push(...influenceSection(labels, input.influence), '');
  return lines.join('\n');
}

function influenceSection(labels: string[], { words, examples, minOccurrences }: WordInfluence): string[] {
  const word = ({ word, contribution, occurrences }: InfluentialWord) =>
    `${escapeMarkdown(word)} ${contribution >= 0 ? '+' : ''}${contribution.toFixed(3)} (${formatCount(occurrences)})`;
  return [
    '## Words that drove the answers',
    '',
    `The first ${formatCount(examples)} test examples explained by gradient × input, with the weights as served. For each label, the words that pushed the examples the model gave that label towards it the most: the mean contribution of an occurrence to the label's log-odds, and in brackets the occurrences, among words seen at least ${minOccurrences} times in those examples.`,
    '',
    '| label | words |',
    '| --- | --- |',
    ...labels.map((label, id) => `| ${escapeMarkdown(label)} | ${words[id].length ? words[id].map(word).join(', ') : 'none seen often enough'} |`),
  ];
}

function metricRows(labels: string[], metrics: Metrics): MetricRow[] {
  const loss: MetricRow = { name: 'loss', pick: (m) => m.loss };
  const accuracy: MetricRow = { name: 'accuracy', pick: (m) => m.accuracy };
  if (metrics.kind === 'binary') {
    return [
      accuracy,
      { name: `F1 of ${escapeMarkdown(labels[1])}`, pick: (m) => (m.kind === 'binary' ? m.f1 : Number.NaN) },
      { name: 'ROC-AUC', pick: (m) => (m.kind === 'binary' ? m.rocAuc : Number.NaN) },
      loss,
    ];
  }
  return [accuracy, { name: 'macro-F1', pick: (m) => (m.kind === 'multiclass' ? m.macroF1 : Number.NaN) }, loss];
}

function assertConsistent(input: TestReportInput): void {
  const { labels, float, quantized, confusion, examples } = input;
  const fail = (message: string): never => {
    throw new RangeError(`testReportMarkdown: ${message}`);
  };
  if (float.kind !== quantized.kind) {
    fail(`the float metrics are ${float.kind} but the quantized ones ${quantized.kind}`);
  }
  if (labels.length < 2) fail(`expected at least two labels, got ${labels.length}`);
  if (float.kind === 'binary' && labels.length !== 2) {
    fail(`binary metrics need exactly two labels, got ${labels.length}`);
  }
  for (const metrics of [float, quantized]) {
    if (metrics.kind === 'multiclass' && metrics.perClass.length !== labels.length) {
      fail(`the metrics cover ${metrics.perClass.length} classes but there are ${labels.length} labels`);
    }
  }
  if (!Number.isInteger(examples) || examples <= 0) fail(`examples must be a positive integer, got ${examples}`);
  if (confusion.length !== labels.length || confusion.some((row) => row.length !== labels.length)) {
    fail(`the confusion matrix must be ${labels.length} × ${labels.length}, one row and column per label`);
  }
  const counted = confusion.flat().reduce((sum, count) => {
    if (!Number.isInteger(count) || count < 0) fail(`the confusion matrix holds ${count}; expected counts`);
    return sum + count;
  }, 0);
  if (counted !== examples) fail(`the confusion matrix counts ${counted} examples, not ${examples}`);
  if (input.influence && input.influence.words.length !== labels.length) {
    fail(`the words that drove the answers cover ${input.influence.words.length} labels but there are ${labels.length}`);
  }
}

function formatScore(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : 'n/a';
}

function formatDifference(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const fixed = value.toFixed(4);
  // A change that rounds to zero reads as no change, whatever its sign.
  if (Number(fixed) === 0) return '0.0000';
  return value > 0 ? `+${fixed}` : fixed;
}

function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Backslash-escapes the characters that Markdown reads as markup (CommonMark allows it for any ASCII punctuation). */
function escapeMarkdown(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_{}[\]<>()#+!|~&]/g, (character) => `\\${character}`);
}
