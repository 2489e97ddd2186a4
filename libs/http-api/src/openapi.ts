import { z } from 'zod';
import type { AnyRoute } from './route-registry.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type JsonSchema = Record<string, unknown>;

const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ location: z.enum(['body', 'query', 'path']), field: z.string(), message: z.string() })).optional(),
});

/**
 * A zod schema as JSON Schema inside the document. Definitions zod emits for recursive
 * types (`$defs`, referenced as `#/$defs/x`) move to `components.schemas`, where a `$ref`
 * inside the OpenAPI document can reach them.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  if (!$defs) return rest;
  let index = Object.keys(components).length;
  const renamed = new Map(Object.keys($defs).map((name) => [name, `Def${index++}`]));
  const relink = (value: JsonSchema) =>
    JSON.parse(JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_match, name: string) => `"#/components/schemas/${renamed.get(name) ?? name}"`)) as JsonSchema;
  for (const [name, definition] of Object.entries($defs)) components[renamed.get(name)!] = relink(definition);
  return relink(rest);
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query', components: Record<string, JsonSchema>): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input', components) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

/**
 * The OpenAPI 3.1 document of a route list, built from the same zod schemas that validate
 * requests. Routes whose `access` is not `public` need the bearer scheme; every route
 * may answer with an RFC 9457 problem.
 */
export function buildOpenApiDocument(routes: ReadonlyArray<AnyRoute>, info: OpenApiInfo, isPublic: (route: AnyRoute) => boolean): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, JsonSchema> = { Problem: jsonSchema(ProblemSchema, 'output', {}) };
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema ? { content: { [spec.contentType ?? 'application/json']: { schema: jsonSchema(spec.schema, 'output', components) } } } : {}),
      };
    }
    responses.default = { description: 'An error (RFC 9457 problem details)', content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [...route.tags],
      parameters: [...parameters(route.params, 'path', components), ...parameters(route.query, 'query', components)],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input', components) } } } } : {}),
      responses,
      security: isPublic(route) ? [] : [{ bearer: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`prly_…`) or the platform-admin token' } },
    },
  };
}
