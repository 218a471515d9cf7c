import { compareCodeUnits } from './digest';
import { DataFormatError } from './examples';

/** Labels written as plain decimal numbers, such as `0`, `1`, `-1` or `2.5`. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The distinct labels of the training examples in a fixed order; a label's
 * id is its index. Numeric labels sort by value (`"2"` before `"10"`), any
 * other set sorts by UTF-16 code units, which does not depend on the locale.
 * The same data therefore always gives the same ids; store the array with
 * the model to turn its outputs back into labels.
 *
 * @throws DataFormatError when there are no examples, or only one label
 *
 * @example
 * ```ts
 * collectLabels([{ label: 'pos' }, { label: 'neg' }, { label: 'pos' }]); // ['neg', 'pos']
 * collectLabels([{ label: '10' }, { label: '2' }]); // ['2', '10']
 * ```
 */
export function collectLabels(examples: readonly { label: string }[]): string[] {
  if (examples.length === 0) {
    throw new DataFormatError('there are no training examples; check the data path and format');
  }
  const labels = [...new Set(examples.map((example) => example.label))];
  if (labels.length === 1) {
    throw new DataFormatError(
      `all ${examples.length} training examples have the label "${labels[0]}"; a classifier needs at least two labels (is the label field right?)`,
    );
  }
  return labels.every((label) => DECIMAL.test(label))
    ? labels.sort((a, b) => Number(a) - Number(b) || compareCodeUnits(a, b))
    : labels.sort(compareCodeUnits);
}

/**
 * The id of each example's label in `labels` (from {@link collectLabels}).
 *
 * @throws DataFormatError naming the example's source when its label is not in `labels`,
 *   e.g. a test example with a label the training data never had
 *
 * @example
 * ```ts
 * encodeLabels(dataset.test, collectLabels(dataset.train)); // Int32Array [0, 1, 1, ...]
 * ```
 */
export function encodeLabels(examples: readonly { label: string; source: string }[], labels: readonly string[]): Int32Array {
  const ids = new Map(labels.map((label, id) => [label, id]));
  return Int32Array.from(examples, (example) => {
    const id = ids.get(example.label);
    if (id === undefined) {
      throw new DataFormatError(
        `${example.source}: the label "${example.label}" is not among the training labels (${labels.map((l) => `"${l}"`).join(', ')})`,
      );
    }
    return id;
  });
}
