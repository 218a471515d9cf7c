import type { TruncateSide } from '../text';

/** One label's probability, in the `[{label, score}]` shape of Workers AI and transformers.js. */
export interface LabelScore {
  label: string;
  score: number;
}

/**
 * How much one token moved the top label's score: by occlusion, the score
 * minus the score without the token; by gradient, the score's gradient with
 * respect to the token's embedding dotted with the embedding.
 */
export interface TokenContribution {
  token: string;
  /** UTF-16 offsets into the text as given: `text.slice(start, end)` is what the user typed. */
  start: number;
  end: number;
  contribution: number;
}

export interface Classification {
  label: string;
  score: number;
  /** Every label, highest score first. */
  scores: LabelScore[];
  /** Present when asked for with `explain`. */
  tokens?: TokenContribution[];
}

/**
 * How `explain` measures a token's part. `occlusion` deletes each token in
 * turn: exact, and T predictions of T − 1 tokens. `gradient` (gradient ×
 * input) estimates it to first order for the price of ~3 predictions.
 */
export type ExplainMethod = 'occlusion' | 'gradient';

export interface ClassifyOptions {
  /** Add each token's contribution; `true` is `'occlusion'`. */
  explain?: boolean | ExplainMethod;
}

/** What a loaded model tells about itself (the worker's `GET /v1/model`). */
export interface ModelInfo {
  /** First 12 hex digits of the weights' sha256: changes whenever the model does. */
  id: string;
  labels: string[];
  config: unknown;
  vocabularySize: number;
  sequenceLength: number;
  /** Which tokens of a longer text the model reads: 'end' cuts the end, 'start' the start. */
  truncate: TruncateSide;
  quantization: string;
  training: unknown;
  createdAt: string;
}
