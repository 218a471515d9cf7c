import * as z from 'zod';
import { API_ERROR_CODES } from './api-error';
import { DEFAULT_LIMITS, type Limits } from './limits';

/**
 * The request and answer schemas of the API. `openapi.ts` turns them into
 * the OpenAPI document, the classify route parses requests with them and
 * the tests check real answers with the document: one source of truth.
 */

/**
 * The two request shapes of `POST /v1/classify`, with the deployment's
 * limits as `maxItems` and `maxLength`, so the document states them too.
 *
 * @example
 * ```ts
 * const { one } = classifyRequestSchemas(DEFAULT_LIMITS);
 * one.parse({ text: 'Great film', top_k: 1 }); // { text: 'Great film', top_k: 1 }
 * ```
 */
export function classifyRequestSchemas(limits: Limits) {
  const key = limitsKey(limits);
  if (built.key !== key) built = { key, schemas: buildClassifyRequestSchemas(limits) };
  return built.schemas;
}

const limitsKey = (limits: Limits) => `${limits.maxTexts}/${limits.maxTextChars}`;

/**
 * Building them costs 2–2.5 ms in a fresh isolate, parsing far less, and
 * limits are fixed per deployment: so they are built once, and those of the
 * default limits (which wrangler.toml's vars repeat) with the module, as
 * the answer schemas below are, rather than inside the first request.
 */
let built = { key: limitsKey(DEFAULT_LIMITS), schemas: buildClassifyRequestSchemas(DEFAULT_LIMITS) };

function buildClassifyRequestSchemas(limits: Limits) {
  const text = z
    .string()
    .check(atMost(limits.maxTextChars, (length) => `is ${length} characters long; MAX_TEXT_CHARS allows ${limits.maxTextChars}`))
    .regex(/\S/, { error: 'is empty; send at least one character that is not whitespace' })
    .meta({
      maxLength: limits.maxTextChars,
      description:
        'Text to classify: at most `maxLength` UTF-16 code units (JavaScript `text.length`, the unit of the token offsets). JSON Schema validators count code points instead, so they let through some texts of characters beyond U+FFFF that the API refuses with 413.',
    });
  const options = {
    top_k: z
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Keep only the k best labels in `scores` (default: every label).' }),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: 'Leave labels scoring below this out of `scores` (default 0). `label` and `score` stay the best label.' }),
    explain: z
      .union([z.boolean(), z.enum(['occlusion', 'gradient'])], { error: 'Invalid input: expected true, false, "occlusion" or "gradient"' })
      .optional()
      .meta({
        description:
          'Add `tokens`: how much each token moved the top score. `"occlusion"` (or `true`) deletes each token in turn: exact, and its cost grows with the square of the length. `"gradient"` (gradient × input) estimates it for the cost of ~4 classifications. Default false.',
      }),
  };
  const one = z.strictObject({ text, ...options });
  const many = z.strictObject({
    texts: z
      .array(text)
      .check(atLeast(1))
      .check(atMost(limits.maxTexts, (count) => `holds ${count} texts; MAX_TEXTS allows ${limits.maxTexts}`))
      .meta({ minItems: 1, maxItems: limits.maxTexts, description: 'Texts to classify together; `results` keeps their order.' }),
    ...options,
  });
  return { one, many, request: z.xor([one, many]) };
}

/*
 * Length limits are custom checks, with `.meta()` stating them in the OpenAPI
 * document, rather than zod's `.min()`/`.max()`, for two reasons that fuzzing
 * found: zod counts a string's length in code points, not in the UTF-16 code
 * units that MAX_TEXT_CHARS is defined in (so twice as many units of emoji
 * got through); and zod runs its length checks even on a value of the wrong
 * type that has a `length` key, so `{"texts": {"length": {"toString": 0}}}`
 * threw inside zod: a 500. A custom check runs only on a value of the right type.
 */
type Lengthy = string | readonly unknown[];

function atMost(maximum: number, message: (length: number) => string) {
  return (context: z.core.ParsePayload<Lengthy>) => {
    const { length } = context.value;
    if (length <= maximum) return;
    const origin = typeof context.value === 'string' ? 'string' : 'array';
    context.issues.push({ code: 'too_big', origin, maximum, inclusive: true, input: context.value, message: message(length) });
  };
}

function atLeast(minimum: number) {
  return (context: z.core.ParsePayload<Lengthy>) => {
    if (context.value.length >= minimum) return;
    const origin = typeof context.value === 'string' ? 'string' : 'array';
    // No message: zod's own, e.g. "Too small: expected array to have >=1 items".
    context.issues.push({ code: 'too_small', origin, minimum, inclusive: true, input: context.value });
  };
}

export const labelScoreSchema = z.strictObject({
  label: z.string(),
  score: z.number().min(0).max(1),
});

export const tokenContributionSchema = z.strictObject({
  token: z.string().meta({ description: 'The token as the model saw it (lower-cased, standardized).' }),
  start: z.int().min(0).meta({ description: 'UTF-16 offset of the token in the text as sent.' }),
  end: z.int().min(0).meta({ description: '`text.slice(start, end)` is what the user typed.' }),
  contribution: z.number().meta({
    description: 'Top score minus the top score with this token deleted: positive pushed towards `label`.',
  }),
});

export const classificationSchema = z.strictObject({
  label: z.string().meta({ description: 'The best label.' }),
  score: z.number().min(0).max(1).meta({ description: 'Its probability.' }),
  scores: z.array(labelScoreSchema).meta({ description: 'Labels from highest score to lowest, after top_k and threshold.' }),
  tokens: z.array(tokenContributionSchema).optional().meta({ description: 'With explain: every token, in text order.' }),
});

export const classifyResponseSchema = z.strictObject({
  model: z.string().meta({ description: 'Id of the model that answered: the first 12 hex digits of its sha256.' }),
  results: z.array(classificationSchema).meta({ description: 'One per text, in request order.' }),
});

export const modelResponseSchema = z.strictObject({
  id: z.string(),
  labels: z.array(z.string()),
  config: z.record(z.string(), z.unknown()).meta({ description: 'Architecture: embedding, BiLSTM layers, output.' }),
  vocabulary_size: z.int().min(1),
  sequence_length: z.int().min(1),
  truncate: z.enum(['end', 'start']).meta({
    description: "Which tokens of a text longer than sequence_length are read: 'end' cuts the end (the first ones are read), 'start' cuts the start (the last ones).",
  }),
  quantization: z.string().meta({ description: 'Storage of the weights: float32, float16, uint8 or a mix like float16+uint8.' }),
  training: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Data set, epochs and metrics of the training run.' }),
  created_at: z.iso.datetime(),
});

export const healthResponseSchema = z.strictObject({
  status: z.literal('ok'),
  model: z.string().meta({ description: 'Id of the loaded model.' }),
  tensors: z.int().min(0).meta({
    description:
      'Live tfjs tensors in this isolate (`tf.memory().numTensors`): the model weights, constant between requests. A count that grows under load is a leak.',
  }),
});

export const errorResponseSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
  }),
});

export type ClassifyResponse = z.infer<typeof classifyResponseSchema>;
export type ModelResponse = z.infer<typeof modelResponseSchema>;
export type HealthResponse = z.infer<typeof healthResponseSchema>;
