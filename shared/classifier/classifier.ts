import * as tf from '@tensorflow/tfjs-core';
import { decodeArtifact, type ArtifactModelJson } from '../artifact';
import { gradientTimesInput } from '../model/attribution';
import { parseModelConfig, type ModelConfig } from '../model/config';
import { paddedTokens, predict } from '../model/forward';
import { ServingWeights } from '../model/serving-weights';
import { TextVectorizer, type TokenSpan } from '../text';
import type { Classification, ClassifyOptions, LabelScore, ModelInfo, TokenContribution } from './types';

/** The artifact is well formed but its parts do not belong together. */
export class ModelMismatchError extends Error {
  override readonly name = 'ModelMismatchError';
}

/**
 * A loaded text classifier: tokenizer, model and labels from one artifact.
 * Needs the wasm backend started first (`startNodeBackend()` in Node,
 * `startWorkerdBackend()` in a Worker).
 *
 * @example
 * const classifier = await Classifier.load(modelJson, weightsBin);
 * classifier.classify(['A moving, beautifully acted film.']);
 * // [{ label: 'positive', score: 0.97, scores: [{ label: 'positive', score: 0.97 }, { label: 'negative', score: 0.03 }] }]
 */
export class Classifier {
  private constructor(
    readonly info: ModelInfo,
    private readonly config: ModelConfig,
    private readonly vectorizer: TextVectorizer,
    private readonly weights: ServingWeights,
    private readonly labels: string[],
  ) {}

  /**
   * Verifies and loads an artifact (`model.json` parsed, `weights.bin` bytes).
   *
   * @throws ArtifactError for a corrupt, truncated or tampered artifact;
   *   ModelMismatchError when its vocabulary, labels, config and weights do
   *   not fit together. Never returns a model that would answer wrongly.
   */
  static async load(modelJson: unknown, weightsBin: ArrayBuffer | Uint8Array): Promise<Classifier> {
    const { modelJson: manifest, tensors } = await decodeArtifact(modelJson, weightsBin);
    const mismatch = (message: string) => new ModelMismatchError(`model ${manifest.weightsSha256.slice(0, 12)}: ${message}`);
    let config: ModelConfig;
    let vectorizer: TextVectorizer;
    try {
      config = parseModelConfig(manifest.modelTopology);
      vectorizer = TextVectorizer.fromJSON(manifest.vocabulary);
    } catch (error) {
      throw mismatch((error as Error).message);
    }
    if (config.input.kind !== 'tokens' || config.output.perTimestep) {
      throw mismatch('only text classifiers (token input, one output per text) can classify text');
    }
    if (vectorizer.vocabulary.length > config.input.vocabularySize) {
      throw mismatch(
        `the vocabulary has ${vectorizer.vocabulary.length} entries but the embedding only ${config.input.vocabularySize} rows`,
      );
    }
    const expectedLabels = config.output.activation === 'sigmoid' ? 2 : config.output.units;
    if (manifest.labels.length !== expectedLabels) {
      throw mismatch(`the output needs ${expectedLabels} labels, the artifact names ${manifest.labels.length}`);
    }
    let weights: ServingWeights;
    try {
      weights = ServingWeights.fromTensors(config, tensors);
    } catch (error) {
      throw mismatch((error as Error).message);
    }
    return new Classifier(describe(manifest, config, vectorizer), config, vectorizer, weights, manifest.labels);
  }

  /**
   * Classifies each text. Texts run together in one batch padded to the
   * longest of them, never to the full sequence length: with masking, a
   * 20-token comment costs a fifth of a 100-token review.
   *
   * `explain` adds per-token contributions (positive: the token pushed
   * towards the label). By occlusion (`true` or `'occlusion'`), the top
   * label's score minus the score of the same text with that token deleted;
   * all occluded variants of a text run as one batch. By `'gradient'`, the
   * top label's score differentiated with respect to each token's embedding,
   * dotted with it (`gradientTimesInput`), every text of the call in one
   * forward and one backward pass.
   *
   * Text with no token (empty, or only punctuation) runs as a fully masked
   * sequence: the model's answer for "no evidence", as Keras gives it.
   */
  classify(texts: readonly string[], options: ClassifyOptions = {}): Classification[] {
    const encoded = texts.map((text) => this.encode(text));
    if (options.explain === 'gradient') return this.explainedByGradient(texts, encoded);
    const probabilities = this.probabilities(encoded);
    return texts.map((text, row) => {
      const scores = probabilities[row];
      const result: Classification = { label: scores[0].label, score: scores[0].score, scores };
      if (options.explain) {
        const spans = this.vectorizer.tokens(text);
        result.tokens = withContributions(spans, this.occlusion(encoded[row], spans.length, scores[0]));
      }
      return result;
    });
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.weights.dispose();
  }

  private encode(text: string): Int32Array {
    const ids = new Int32Array(this.vectorizer.config.sequenceLength);
    const length = this.vectorizer.encodeInto(text, ids);
    // Without masking the model was trained on padded sequences and must see them.
    return this.masked ? ids.subarray(0, length) : ids;
  }

  private get masked(): boolean {
    return this.config.input.kind === 'tokens' && this.config.input.maskZero;
  }

  /** Sorted label scores for each id sequence, from one batched forward pass. */
  private probabilities(sequences: Int32Array[]): LabelScore[][] {
    // Read outside tf.tidy, which walks a returned typed array value by value (~0.7 µs each).
    const probabilities = tf.tidy(() => predict(this.config, this.weights, { tokens: paddedTokens(sequences) }));
    const output = probabilities.dataSync() as Float32Array;
    probabilities.dispose();
    const units = this.config.output.units;
    return sequences.map((_, row) => this.sortedScores(output.subarray(row * units, (row + 1) * units)));
  }

  /** One text's probabilities, as `predict` gives them, as label scores from high to low. */
  private sortedScores(probabilities: Float32Array): LabelScore[] {
    const scores: LabelScore[] =
      this.config.output.activation === 'sigmoid'
        ? [
            { label: this.labels[1], score: probabilities[0] },
            { label: this.labels[0], score: 1 - probabilities[0] },
          ]
        : this.labels.map((label, k) => ({ label, score: probabilities[k] }));
    return scores.sort((a, b) => b.score - a.score);
  }

  /** The top score minus the top label's score with each token deleted in turn, all variants in one batch. */
  private occlusion(ids: Int32Array, tokens: number, top: LabelScore): number[] {
    if (tokens === 0) return [];
    const variants = Array.from({ length: tokens }, (_, position) => {
      const without = new Int32Array(ids.length - (this.masked ? 1 : 0));
      let k = 0;
      for (let i = 0; i < ids.length; i++) if (i !== position) without[k++] = ids[i];
      return without;
    });
    return this.probabilities(variants).map((occluded) => top.score - occluded.find((s) => s.label === top.label)!.score);
  }

  private explainedByGradient(texts: readonly string[], sequences: Int32Array[]): Classification[] {
    return gradientTimesInput(this.config, this.weights, sequences).map(({ probabilities, contributions }, row) => {
      const scores = this.sortedScores(probabilities);
      return { label: scores[0].label, score: scores[0].score, scores, tokens: withContributions(this.vectorizer.tokens(texts[row]), contributions) };
    });
  }
}

/** Each token with its contribution; `contributions` are in the order of the model's input, as the spans are. */
function withContributions(spans: TokenSpan[], contributions: ArrayLike<number>): TokenContribution[] {
  return spans.map((span, position) => ({ token: span.token, start: span.start, end: span.end, contribution: contributions[position] }));
}

function describe(manifest: ArtifactModelJson, config: ModelConfig, vectorizer: TextVectorizer): ModelInfo {
  const quantizations = new Set(manifest.weightsManifest[0].weights.map((w) => w.quantization?.dtype ?? 'float32'));
  return {
    id: manifest.weightsSha256.slice(0, 12),
    labels: manifest.labels,
    config,
    vocabularySize: vectorizer.vocabulary.length,
    sequenceLength: vectorizer.config.sequenceLength,
    truncate: vectorizer.config.truncate,
    quantization: [...quantizations].join('+'),
    training: manifest.training ?? null,
    createdAt: manifest.createdAt,
  };
}
