import * as z from 'zod';
import type { Limits } from './limits';
import {
  classifyRequestSchemas,
  classifyResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  modelResponseSchema,
} from './schemas';

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (schema: JsonObject) => ({ 'application/json': { schema } });
const errorAnswer = (description: string) => ({ description, content: jsonContent(ref('Error')) });

/** Answers every route can give: unknown path, wrong method, a bug. */
const commonErrors = {
  '404': errorAnswer('`not_found`: no such route.'),
  '405': errorAnswer('`method_not_allowed`: the path exists with other methods, listed in `Allow`.'),
  '500': errorAnswer('`internal_error`: a bug; the cause is logged, never answered.'),
};
const modelUnavailable = { '503': errorAnswer('`model_unavailable`: the model cannot be loaded or failed its sha256 check.') };

/**
 * The OpenAPI 3.1 document of every route. Its schemas are generated from
 * the zod schemas that the routes parse with and answer by, so it cannot
 * drift from them; `limits` fill in `maxItems` and `maxLength`.
 *
 * @example
 * ```ts
 * const document = openApiDocument(DEFAULT_LIMITS);
 * document.components.schemas.ClassifyManyRequest.properties.texts.maxItems; // 32
 * ```
 */
export function openApiDocument(limits: Limits) {
  const { one, many, request } = classifyRequestSchemas(limits);
  const registry = z.registry<{ id: string }>();
  registry.add(request, { id: 'ClassifyRequest' });
  registry.add(one, { id: 'ClassifyOneRequest' });
  registry.add(many, { id: 'ClassifyManyRequest' });
  registry.add(classifyResponseSchema, { id: 'ClassifyResponse' });
  registry.add(modelResponseSchema, { id: 'ModelResponse' });
  registry.add(healthResponseSchema, { id: 'HealthResponse' });
  registry.add(errorResponseSchema, { id: 'Error' });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => ref(id).$ref });
  // Each component is a schema inside this document, not a standalone one.
  const components = Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]),
  );

  return {
    openapi: '3.1.0',
    info: {
      title: 'bilstm-edge',
      version: '1.0.0',
      description:
        'Text classification by a bidirectional LSTM, served from Cloudflare Workers. Every error answers `{"error": {"code", "message"}}`.',
    },
    paths: {
      '/v1/classify': {
        post: {
          operationId: 'classify',
          summary: 'Classify one text or many',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('ClassifyRequest'),
                examples: {
                  one: { value: { text: 'A moving, beautifully acted film.' } },
                  many: { value: { texts: ['Loved it.', 'A waste of two hours.'], top_k: 1, explain: true } },
                  explained: { value: { text: 'Not bad at all, I loved it!', explain: 'gradient' } },
                },
              },
            },
          },
          responses: {
            '200': { description: 'One result per text, in request order.', content: jsonContent(ref('ClassifyResponse')) },
            '400': errorAnswer('`invalid_json`, `invalid_request` (the message names the field) or `empty_text`.'),
            '413': errorAnswer(
              `\`payload_too_large\` (body over ${limits.maxBodyBytes} bytes), \`too_many_texts\` (over ${limits.maxTexts}) or \`text_too_long\` (over ${limits.maxTextChars} characters).`,
            ),
            '415': errorAnswer('`unsupported_media_type`: the body must be sent as `application/json`.'),
            ...modelUnavailable,
            ...commonErrors,
          },
        },
      },
      '/v1/model': {
        get: {
          operationId: 'getModel',
          summary: 'Describe the served model',
          responses: {
            '200': { description: 'The model.', content: jsonContent(ref('ModelResponse')) },
            ...modelUnavailable,
            ...commonErrors,
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Healthy once the model is loaded',
          responses: {
            '200': { description: 'Able to classify.', content: jsonContent(ref('HealthResponse')) },
            ...modelUnavailable,
            ...commonErrors,
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1.', content: jsonContent({ type: 'object' }) }, ...commonErrors },
        },
      },
      '/': staticAsset('demoPage', 'The demo page', 'text/html'),
      '/demo.js': staticAsset('demoScript', "The demo page's script", 'text/javascript'),
      '/demo.css': staticAsset('demoStyle', "The demo page's style", 'text/css'),
      '/widget.js': staticAsset('widgetScript', 'The embeddable widget (worker/README-integrate.md)', 'text/javascript'),
    },
    components: { schemas: components },
  };
}

function staticAsset(operationId: string, summary: string, mediaType: string) {
  return {
    get: {
      operationId,
      summary,
      responses: { '200': { description: summary, content: { [mediaType]: { schema: { type: 'string' } } } }, ...commonErrors },
    },
  };
}
