import { gradientTimesInput } from '../../shared/model/attribution';
import type { ModelConfig } from '../../shared/model/config';
import type { ServingWeights } from '../../shared/model/serving-weights';
import { realLength, type EncodedData } from '../loop/encoded-data';

/** Below this p·(1 − p), p within 1e-6 of 0 or 1, float32 leaves too few digits of the gradient. */
const MIN_SLOPE = 1e-6;

/** A word and how it pushed the texts the model gave a label towards that label. */
export interface InfluentialWord {
  word: string;
  /** Mean over its occurrences of its contribution to the label's log-odds (gradient × input). */
  contribution: number;
  /** Its occurrences in the texts the model gave the label. */
  occurrences: number;
}

/** What {@link wordInfluence} found, and on what. */
export interface WordInfluence {
  /** By label id, the words from the most pushing on. */
  words: InfluentialWord[][];
  /** The examples explained. */
  examples: number;
  /** The fewest occurrences a word listed has. */
  minOccurrences: number;
}

export interface WordInfluenceOptions {
  /** Explain the first this many rows of `data` (all of them when it has fewer). */
  examples: number;
  /** Texts per forward and backward pass. Default 32. */
  batchSize?: number;
  /** Leave out words seen fewer times than this among a label's texts: one lucky occurrence says little. Default 10. */
  minOccurrences?: number;
  /** Words kept per label. Default 10. */
  top?: number;
}

/**
 * For each label, the words that pushed the texts the model gave that label
 * towards it the most, on average: every text is explained by gradient ×
 * input (`gradientTimesInput`), and each occurrence of a word credits its
 * contribution to the label the model chose for the text, in log-odds
 * (the contribution to the probability p over p·(1 − p), exact to first
 * order), so that a word counts alike in sure and in hesitant answers. What a model
 * learned, in its own words: for the bundled IMDB model, `3/10`, `4/10`,
 * `avoid` and `waste` for negative, `7/10`, `8/10`, `10/10` and `recommended`
 * for positive.
 *
 * @param data token ids [N, T], 0 for padding, as training encodes a split
 * @param vocabulary the words by id, as the model's vectorizer has them
 * @returns by label id, the `top` words from the most pushing on, and what they were found on
 *
 * @example
 * wordInfluence(config, serving, data.test, vectorizer.vocabulary, 2, { examples: 2000 }).words; // the bundled model, IMDB's test split
 * // [[{ word: '310', contribution: 2.216, occurrences: 10 }, { word: '410', … }, …],
 * //  [{ word: '710', contribution: 1.637, occurrences: 16 }, { word: '810', … }, …]]
 */
export function wordInfluence(
  config: ModelConfig,
  serving: ServingWeights,
  data: EncodedData,
  vocabulary: readonly string[],
  labelCount: number,
  options: WordInfluenceOptions,
): WordInfluence {
  const { examples, batchSize = 32, minOccurrences = 10, top = 10 } = options;
  const masked = config.input.kind === 'tokens' && config.input.maskZero;
  const sums = Array.from({ length: labelCount }, () => new Float64Array(vocabulary.length));
  const counts = Array.from({ length: labelCount }, () => new Int32Array(vocabulary.length));
  const rows = Math.min(examples, data.count);
  const ids = data.inputs as Int32Array;
  for (let start = 0; start < rows; start += batchSize) {
    const sequences = Array.from({ length: Math.min(batchSize, rows - start) }, (_, i) => {
      const offset = (start + i) * data.steps;
      // With masking, a text runs at its real length; without, the model was trained on padding and must see it.
      return ids.subarray(offset, offset + (masked ? realLength(ids, offset, data.steps) : data.steps));
    });
    gradientTimesInput(config, serving, sequences).forEach(({ probabilities, label, contributions }, i) => {
      // The slope of the probability p in the log-odds: contributions in log-odds do not vanish
      // as p nears 1, so sure answers count as much as hesitant ones. At p = 1 in float32 the
      // gradient itself has vanished; such a text has nothing to say.
      const p = config.output.activation === 'sigmoid' && label === 0 ? 1 - probabilities[0] : probabilities[config.output.activation === 'sigmoid' ? 0 : label];
      const slope = p * (1 - p);
      if (!(slope >= MIN_SLOPE)) return;
      sequences[i].forEach((id, t) => {
        if (id === 0) return; // padding, not a word
        sums[label][id] += contributions[t] / slope;
        counts[label][id]++;
      });
    });
  }
  const words = sums.map((sum, label) =>
    Array.from(sum, (total, id) => ({ word: vocabulary[id], contribution: total / counts[label][id], occurrences: counts[label][id] }))
      .filter((word) => word.occurrences >= minOccurrences)
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, top),
  );
  return { words, examples: rows, minOccurrences };
}
