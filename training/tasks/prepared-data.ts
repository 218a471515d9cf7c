import type { ModelConfig } from '../../shared/model/config';
import type { TextVectorizer } from '../../shared/text';
import type { EncodedData } from '../loop/encoded-data';

/** A task's data, encoded and split, with the model that fits it. */
export interface PreparedData {
  model: ModelConfig;
  train: EncodedData;
  validation: EncodedData;
  test?: EncodedData;
  /** Names of the label ids, stored with the model. */
  labels: string[];
  /** The fitted tokenizer, for text tasks. */
  vectorizer: TextVectorizer | null;
  /** Identifies the input data in the model's metadata and in checkpoints. */
  dataSha256: string;
}
