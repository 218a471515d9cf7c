/** Training and validation figures after one epoch, as Keras' `History` records them. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

/**
 * Scores of a model with one sigmoid output. Precision, recall and F1 are
 * those of the positive class (label 1).
 */
export interface BinaryMetrics {
  kind: 'binary';
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Area under the ROC curve; NaN when the labels hold only one class, since no pair can be ranked. */
  rocAuc: number;
  /** Mean binary cross-entropy. */
  loss: number;
}

/** Scores of one class, counted one-vs-rest. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** How many examples truly have this class. */
  support: number;
}

/** Scores of a model with a softmax output over two or more classes. */
export interface MulticlassMetrics {
  kind: 'multiclass';
  accuracy: number;
  /** Unweighted mean F1 over the classes that occur in the labels or the predictions. */
  macroF1: number;
  /** One entry per class id, absent classes included. */
  perClass: ClassMetrics[];
  /** Mean categorical cross-entropy. */
  loss: number;
}

/** What `binaryMetrics` or `multiclassMetrics` returns; `kind` tells which. */
export type Metrics = BinaryMetrics | MulticlassMetrics;
