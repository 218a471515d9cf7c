import * as z from 'zod';

/**
 * The model's configuration: the one source of truth for its architecture,
 * read by training, the worker and the browser build alike, and stored inside
 * every model artifact.
 */

/** How the two directions of a bidirectional layer are combined (Keras `merge_mode`). */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid';

/** Token ids through an embedding table, or real-valued features per timestep. */
export type InputConfig =
  | {
      kind: 'tokens';
      vocabularySize: number;
      embeddingDim: number;
      /**
       * Keras `mask_zero`: id 0 is padding and never changes a prediction,
       * so one text run unpadded gives the padded batch's answer.
       */
      maskZero: boolean;
    }
  | { kind: 'features'; size: number };

export interface RecurrentLayerConfig {
  units: number;
  mergeMode: MergeMode;
}

export interface DenseLayerConfig {
  units: number;
  activation: Activation;
}

/**
 * `sigmoid` with 1 unit is binary classification, `softmax` with K units is
 * K-way classification. `perTimestep` labels every timestep instead of the
 * whole sequence (sequence labelling, like the tutorial's cumulative sum).
 */
export interface OutputConfig {
  activation: 'sigmoid' | 'softmax';
  units: number;
  perTimestep: boolean;
}

export interface ModelConfig {
  input: InputConfig;
  /** Bidirectional LSTM layers, bottom to top. All but the last return sequences. */
  recurrent: RecurrentLayerConfig[];
  /** Dense layers between the recurrent stack and the output. */
  dense: DenseLayerConfig[];
  output: OutputConfig;
}

/**
 * The Keras BiLSTM sentiment tutorial: vocabulary 10,000, Embedding(64),
 * BiLSTM(64, sequences), BiLSTM(32), Dense(64, relu), Dense(1, sigmoid).
 * 751,489 parameters.
 */
export const TUTORIAL_MODEL: ModelConfig = {
  input: { kind: 'tokens', vocabularySize: 10_000, embeddingDim: 64, maskZero: true },
  recurrent: [
    { units: 64, mergeMode: 'concat' },
    { units: 32, mergeMode: 'concat' },
  ],
  dense: [{ units: 64, activation: 'relu' }],
  output: { activation: 'sigmoid', units: 1, perTimestep: false },
};

/** Width of a bidirectional layer's output: 2·units for concat, units otherwise. */
export function mergedWidth(layer: RecurrentLayerConfig): number {
  return layer.mergeMode === 'concat' ? 2 * layer.units : layer.units;
}

/** Width of what the first recurrent layer reads per timestep. */
export function inputWidth(input: InputConfig): number {
  return input.kind === 'tokens' ? input.embeddingDim : input.size;
}

const units = z.number().int().positive();

const modelConfigSchema = z.object({
  input: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('tokens'),
      vocabularySize: units,
      embeddingDim: units,
      maskZero: z.boolean(),
    }),
    z.object({ kind: z.literal('features'), size: units }),
  ]),
  recurrent: z
    .array(z.object({ units, mergeMode: z.enum(['concat', 'sum', 'mul', 'ave']) }))
    .min(1),
  dense: z.array(z.object({ units, activation: z.enum(['linear', 'relu', 'tanh', 'sigmoid']) })),
  output: z
    .object({ activation: z.enum(['sigmoid', 'softmax']), units, perTimestep: z.boolean() })
    .refine((o) => o.activation === 'sigmoid' || o.units >= 2, {
      message: 'softmax needs at least 2 units',
      path: ['units'],
    }),
});

/**
 * Checks an untrusted config (from a CLI flag or a model file) and returns it
 * typed, or throws an Error naming the offending field.
 *
 * @example
 * parseModelConfig({ ...TUTORIAL_MODEL, recurrent: [{ units: 0, mergeMode: 'concat' }] });
 * // Error: invalid model config:
 * // ✖ Too small: expected number to be >0
 * //   → at recurrent[0].units
 */
export function parseModelConfig(value: unknown): ModelConfig {
  const result = modelConfigSchema.safeParse(value);
  if (!result.success) throw new Error(`invalid model config:\n${z.prettifyError(result.error)}`);
  return result.data;
}
