import { z } from 'zod';

/** The parts of an OpenAPI 3.1 document these tests read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, { schema: object; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}

const COMPONENT_REF = '#/components/schemas/';

/**
 * A validator built from the document alone (not from the worker's zod
 * schemas): the JSON Schema of `method path`'s answer with `status`, with
 * the document's components as `$defs`.
 */
export function answerValidator(document: OpenApiDocument, method: string, path: string, status: number): z.ZodType {
  const operation = document.paths[path]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`the document has no ${method} ${path}`);
  const answer = operation.responses[String(status)];
  if (answer === undefined) throw new Error(`${method} ${path} documents no ${status} answer`);
  const schema = answer.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`${method} ${path} ${status} documents no JSON body`);
  return fromDocument(document, schema);
}

/** The document's component schema `id` (e.g. `Error`), likewise. */
export function componentValidator(document: OpenApiDocument, id: string): z.ZodType {
  if (document.components.schemas[id] === undefined) throw new Error(`the document has no component ${id}`);
  return fromDocument(document, { $ref: `${COMPONENT_REF}${id}` });
}

/** The request body schema of `method path`, likewise. */
export function requestValidator(document: OpenApiDocument, method: string, path: string): z.ZodType {
  const schema = document.paths[path]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
  if (schema === undefined) throw new Error(`${method} ${path} documents no JSON request body`);
  return fromDocument(document, schema);
}

function fromDocument(document: OpenApiDocument, schema: object): z.ZodType {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string' ? inner.replace(COMPONENT_REF, '#/$defs/') : rewrite(inner),
      ]),
    );
  };
  return z.fromJSONSchema(rewrite({ ...schema, $defs: document.components.schemas }) as z.core.JSONSchema.JSONSchema);
}

/** Every `$ref` anywhere in `value`. */
export function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner)));
}
