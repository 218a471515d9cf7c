import { describe, expect, it } from 'vitest';
import worker from '../../worker/index';
import { DEFAULT_LIMITS } from '../../worker/limits';
import { classify, json, request, requestWithEnv } from './helpers';
import { answerValidator, refsIn, requestValidator, type OpenApiDocument } from './openapi-schema';

async function fetchDocument(overrides = {}): Promise<OpenApiDocument> {
  const response = await requestWithEnv(overrides, '/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return response.json();
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route the worker serves, and only those', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toBeTruthy();
    // A route with its own middleware is listed once per handler.
    const served = [
      ...new Set(worker.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method.toLowerCase()} ${route.path}`)),
    ].sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    expect(served).toEqual(expect.arrayContaining(['post /v1/classify', 'get /v1/model', 'get /healthz', 'get /openapi.json', 'get /']));
  });

  it('gives every operation a unique id and a described 200 answer, and every $ref resolves', async () => {
    const document = await fetchDocument();
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) expect(operation.responses['200'].description).toBeTruthy();
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas).toHaveProperty(ref.slice('#/components/schemas/'.length));
    }
  });

  it("states this deployment's limits", async () => {
    const schemas = (await fetchDocument({ MAX_TEXTS: '5', MAX_TEXT_CHARS: '300' })).components.schemas as Record<
      string,
      { properties: Record<string, { maxItems?: number; maxLength?: number; items?: { maxLength?: number } }> }
    >;
    expect(schemas.ClassifyManyRequest.properties.texts.maxItems).toBe(5);
    expect(schemas.ClassifyManyRequest.properties.texts.items?.maxLength).toBe(300);
    expect(schemas.ClassifyOneRequest.properties.text.maxLength).toBe(300);
    const defaults = (await fetchDocument()).components.schemas as typeof schemas;
    expect(defaults.ClassifyManyRequest.properties.texts.maxItems).toBe(DEFAULT_LIMITS.maxTexts);
  });

  it('describes requests the worker accepts and refuses the ones it refuses', async () => {
    const document = await fetchDocument();
    const requestSchema = requestValidator(document, 'POST', '/v1/classify');
    const examples = Object.values(document.paths['/v1/classify'].post.requestBody?.content['application/json'].examples ?? {});
    expect(examples.length).toBeGreaterThan(0);
    for (const { value } of examples) expect(requestSchema.safeParse(value).success).toBe(true);
    for (const refused of [{}, { text: '' }, { text: ' ' }, { text: 'a', texts: ['b'] }, { text: 'a', topK: 1 }, { texts: [] }, { text: 'a', threshold: 2 }]) {
      expect(requestSchema.safeParse(refused).success, JSON.stringify(refused)).toBe(false);
      expect((await classify(refused)).status).toBe(400);
    }
  });

  it('documents the error answers the worker really gives', async () => {
    const document = await fetchDocument();
    const cases: [method: string, path: string, init: RequestInit][] = [
      ['POST', '/v1/classify', { method: 'POST', body: 'x' }],
      ['POST', '/v1/classify', json({ text: '' })],
      ['POST', '/v1/classify', json({ texts: Array.from({ length: DEFAULT_LIMITS.maxTexts + 1 }, () => 'a') })],
      ['GET', '/v1/model', { method: 'PATCH' }],
    ];
    for (const [method, path, init] of cases) {
      const response = await request(path, init);
      const body = await response.json();
      expect(answerValidator(document, method, path, response.status).parse(body)).toEqual(body);
    }
  });
});
