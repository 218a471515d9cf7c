import type { BinaryMetrics, ClassMetrics, MulticlassMetrics } from './types';

/**
 * Keras clips probabilities to [1e-7, 1 - 1e-7] before taking logs, so that a
 * confidently wrong prediction costs about 16.1 rather than Infinity.
 */
const EPSILON = 1e-7;

/** Softmax rows sum to 1 within float32 rounding; a larger gap means logits or a transposed layout. */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Accuracy, precision, recall, F1, ROC-AUC and loss of a binary classifier.
 *
 * An example counts as predicted positive when its probability is strictly
 * greater than `threshold`, as in Keras' `binary_accuracy`. A ratio whose
 * denominator is 0 (nothing predicted positive, or no positive example) is
 * 0, as with scikit-learn's `zero_division=0`, so that no NaN reaches a
 * report. ROC-AUC is NaN when the labels hold one class only.
 *
 * @param probabilities the model's sigmoid outputs, one per example
 * @param labels 0 or 1 per example
 * @throws RangeError when there are no examples, the lengths differ, a
 *   probability is outside [0, 1] or a label is not 0 or 1
 *
 * @example
 * ```ts
 * binaryMetrics([0.9, 0.6, 0.6, 0.4, 0.2], [1, 1, 0, 0, 1]);
 * // { kind: 'binary', accuracy: 0.6, precision: 0.667, recall: 0.667, f1: 0.667,
 * //   rocAuc: 0.583, loss: 0.731 }
 * ```
 */
export function binaryMetrics(
  probabilities: Float32Array | number[],
  labels: ArrayLike<number>,
  threshold = 0.5,
): BinaryMetrics {
  const count = assertSameNonEmptyLength('binaryMetrics', probabilities.length, labels.length);
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`binaryMetrics: threshold must be in [0, 1], got ${threshold}`);
  }
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let lossSum = 0;
  for (let i = 0; i < count; i++) {
    const probability = assertProbability('binaryMetrics', probabilities[i], i);
    const positive = assertClassId('binaryMetrics', labels[i], i, 2) === 1;
    const predictedPositive = probability > threshold;
    if (predictedPositive && positive) truePositives++;
    else if (predictedPositive) falsePositives++;
    else if (positive) falseNegatives++;
    lossSum -= Math.log(clip(positive ? probability : 1 - probability));
  }
  const trueNegatives = count - truePositives - falsePositives - falseNegatives;
  return {
    kind: 'binary',
    accuracy: (truePositives + trueNegatives) / count,
    ...precisionRecallF1(truePositives, falsePositives, falseNegatives),
    rocAuc: rocAuc(probabilities, labels),
    loss: lossSum / count,
  };
}

/**
 * Area under the ROC curve: the chance that a random positive example scores
 * higher than a random negative one, a tie counting one half. Computed
 * exactly from the Mann–Whitney U statistic with average ranks for ties, in
 * O(n log n).
 *
 * @param scores any finite scores; only their order matters
 * @param labels 0 or 1 per example
 * @returns NaN when the labels hold one class only, as no pair can be ranked
 * @throws RangeError when there are no examples, the lengths differ, a score
 *   is not finite or a label is not 0 or 1
 *
 * @example
 * ```ts
 * rocAuc([0.9, 0.6, 0.6, 0.4, 0.2], [1, 1, 0, 0, 1]); // 7 / 12: 3.5 of 6 pairs in order
 * ```
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const count = assertSameNonEmptyLength('rocAuc', scores.length, labels.length);
  let positives = 0;
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new RangeError(`rocAuc: scores[${i}] is ${scores[i]}; expected a finite number`);
    }
    positives += assertClassId('rocAuc', labels[i], i, 2);
  }
  const negatives = count - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;

  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);

  let positiveRankSum = 0;
  for (let first = 0; first < count; ) {
    let last = first;
    while (last + 1 < count && scores[order[last + 1]] === scores[order[first]]) last++;
    // Ranks are 1-based; every member of a run of ties gets the run's mean rank.
    const averageRank = (first + last) / 2 + 1;
    for (let k = first; k <= last; k++) {
      if (labels[order[k]] === 1) positiveRankSum += averageRank;
    }
    first = last + 1;
  }
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * Accuracy, per-class and macro-averaged precision, recall and F1, and loss
 * of a classifier with a softmax output. The predicted class is the row's
 * argmax (the first on ties).
 *
 * Conventions follow scikit-learn's `f1_score(average='macro',
 * zero_division=0)`: a ratio whose denominator is 0 is 0, and the macro
 * average runs over the classes that occur in the labels or the predictions,
 * so that a class absent from the test set does not drag it down.
 *
 * @param probabilities `[n, classes]` row-major; each row sums to 1
 * @param labels a class id from 0 to `classes - 1` per example
 * @throws RangeError when there are no examples, the shapes do not match, a
 *   row is not a probability distribution or a label is out of range
 *
 * @example
 * ```ts
 * multiclassMetrics(new Float32Array([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]), [0, 1], 3);
 * // The second row predicts class 2, which never occurs but still counts in the macro average:
 * // { kind: 'multiclass', accuracy: 0.5, macroF1: 0.333, loss: 1.33,
 * //   perClass: [{ precision: 1, recall: 1, f1: 1, support: 1 },
 * //              { precision: 0, recall: 0, f1: 0, support: 1 },
 * //              { precision: 0, recall: 0, f1: 0, support: 0 }] }
 * ```
 */
export function multiclassMetrics(
  probabilities: Float32Array | number[],
  labels: ArrayLike<number>,
  classes: number,
): MulticlassMetrics {
  assertClassCount('multiclassMetrics', classes);
  const count = assertNotEmpty('multiclassMetrics', labels.length);
  if (probabilities.length !== count * classes) {
    throw new RangeError(
      `multiclassMetrics: probabilities hold ${probabilities.length} values; expected [${count}, ${classes}] row-major, ${count * classes} values`,
    );
  }
  const predicted = new Uint32Array(count);
  let lossSum = 0;
  for (let row = 0; row < count; row++) {
    const label = assertClassId('multiclassMetrics', labels[row], row, classes);
    const offset = row * classes;
    let best = 0;
    let rowSum = 0;
    for (let k = 0; k < classes; k++) {
      const probability = assertProbability('multiclassMetrics', probabilities[offset + k], offset + k);
      rowSum += probability;
      if (probability > probabilities[offset + best]) best = k;
    }
    if (Math.abs(rowSum - 1) > ROW_SUM_TOLERANCE) {
      throw new RangeError(
        `multiclassMetrics: row ${row} of probabilities sums to ${Number(rowSum.toFixed(4))}; expected softmax outputs in [n, classes] row-major order`,
      );
    }
    predicted[row] = best;
    lossSum -= Math.log(clip(probabilities[offset + label]));
  }

  const matrix = confusionMatrix(predicted, labels, classes);
  const perClass: ClassMetrics[] = [];
  let correct = 0;
  let f1Sum = 0;
  let classesSeen = 0;
  for (let c = 0; c < classes; c++) {
    const truePositives = matrix[c][c];
    let support = 0;
    let predictedCount = 0;
    for (let k = 0; k < classes; k++) {
      support += matrix[c][k];
      predictedCount += matrix[k][c];
    }
    const scores = precisionRecallF1(truePositives, predictedCount - truePositives, support - truePositives);
    perClass.push({ ...scores, support });
    correct += truePositives;
    if (support > 0 || predictedCount > 0) {
      f1Sum += scores.f1;
      classesSeen++;
    }
  }
  return {
    kind: 'multiclass',
    accuracy: correct / count,
    macroF1: f1Sum / classesSeen,
    perClass,
    loss: lossSum / count,
  };
}

/**
 * Counts of each (actual, predicted) pair: `matrix[actual][predicted]`, so
 * that row sums are the classes' supports and the diagonal holds the hits.
 *
 * @throws RangeError when there are no examples, the lengths differ or a
 *   class id is not an integer from 0 to `classes - 1`
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 1], [0, 1]]
 * ```
 */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  classes: number,
): number[][] {
  assertClassCount('confusionMatrix', classes);
  const count = assertSameNonEmptyLength('confusionMatrix', predicted.length, actual.length);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < count; i++) {
    const predictedClass = assertClassId('confusionMatrix', predicted[i], i, classes, 'predicted');
    const actualClass = assertClassId('confusionMatrix', actual[i], i, classes, 'actual');
    matrix[actualClass][predictedClass]++;
  }
  return matrix;
}

function precisionRecallF1(truePositives: number, falsePositives: number, falseNegatives: number) {
  return {
    precision: ratio(truePositives, truePositives + falsePositives),
    recall: ratio(truePositives, truePositives + falseNegatives),
    // Equal to 2PR / (P + R) whenever that is defined, and 0 rather than NaN when it is not.
    f1: ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives),
  };
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function clip(probability: number): number {
  return Math.min(Math.max(probability, EPSILON), 1 - EPSILON);
}

function assertNotEmpty(caller: string, count: number): number {
  if (count === 0) {
    throw new RangeError(`${caller}: there are no examples to score`);
  }
  return count;
}

function assertSameNonEmptyLength(caller: string, length: number, labelCount: number): number {
  assertNotEmpty(caller, labelCount);
  if (length !== labelCount) {
    throw new RangeError(`${caller}: got ${length} predictions for ${labelCount} labels; expected one per label`);
  }
  return labelCount;
}

function assertClassCount(caller: string, classes: number): void {
  if (!Number.isInteger(classes) || classes < 2) {
    throw new RangeError(`${caller}: classes must be an integer of at least 2, got ${classes}`);
  }
}

function assertProbability(caller: string, value: number, index: number): number {
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`${caller}: probabilities[${index}] is ${value}; expected a probability in [0, 1]`);
  }
  return value;
}

function assertClassId(caller: string, value: number, index: number, classes: number, name = 'labels'): number {
  if (!Number.isInteger(value) || value < 0 || value >= classes) {
    throw new RangeError(`${caller}: ${name}[${index}] is ${value}; expected an integer class id from 0 to ${classes - 1}`);
  }
  return value;
}
