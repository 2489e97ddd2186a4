import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HttpProblem, validationProblem, type FieldError } from './problem.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler answers; `undefined` when it wrote the reply itself (a stream). */
export interface RouteResponse {
  status: number;
  body?: unknown;
  /** The body already as JSON text (e.g. a cached answer): sent as it is, as `application/json`, instead of `body`. */
  json?: string;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

export interface HandlerInput<P, Q, B, Ctx> {
  params: P;
  query: Q;
  body: B;
  context: Ctx;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One HTTP route: its zod schemas validate the request and describe it in the OpenAPI
 * document, so the two cannot drift apart. `access` is the app's own notion of who may
 * call it (e.g. a scope); the registry only hands it to the app's `context` hook.
 */
export interface RouteDefinition<Access, Ctx, P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** An OpenAPI path template: `/v1/communities/{communityId}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: readonly string[];
  access: Access;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Readonly<Record<number, ResponseSpec>>;
  handler(input: HandlerInput<P, Q, B, Ctx>): Promise<RouteResponse | undefined>;
}

export type AnyRoute<Access = unknown, Ctx = unknown> = RouteDefinition<Access, Ctx, any, any, any>;

export interface InstallOptions<Access, Ctx> {
  /** Largest JSON body accepted, in bytes; past it the answer is 413. */
  bodyLimit: number;
  /**
   * Runs before validation: authenticates, authorises, rate-limits (throwing an
   * `HttpProblem`) and returns what handlers get as `context`.
   */
  context(route: AnyRoute<Access, Ctx>, request: FastifyRequest, reply: FastifyReply): Promise<Ctx>;
  /** Wraps the handler once the request is valid (e.g. idempotent replay). Default: run it. */
  around?(route: AnyRoute<Access, Ctx>, request: FastifyRequest, context: Ctx, run: () => Promise<RouteResponse | undefined>): Promise<RouteResponse | undefined>;
}

/** Every route of an API in one list: installed on Fastify, documented, iterated by tests. */
export class RouteRegistry<Access, Ctx> {
  private readonly entries: Array<{ route: AnyRoute<Access, Ctx>; pattern: RegExp }> = [];

  add<P, Q, B>(route: RouteDefinition<Access, Ctx, P, Q, B>): this {
    if (this.entries.some(({ route: other }) => other.method === route.method && other.path === route.path)) {
      throw new Error(`route ${route.method} ${route.path} is defined twice`);
    }
    this.entries.push({ route: route as AnyRoute<Access, Ctx>, pattern: pathPattern(route.path) });
    return this;
  }

  routes(): ReadonlyArray<AnyRoute<Access, Ctx>> {
    return this.entries.map(({ route }) => route);
  }

  /** The methods some route serves at this URL path: the `Allow` of a 405. */
  allowedMethods(urlPath: string): HttpMethod[] {
    return this.entries.filter(({ pattern }) => pattern.test(urlPath)).map(({ route }) => route.method);
  }

  install(fastify: FastifyInstance, options: InstallOptions<Access, Ctx>): void {
    explainPrototypeKeys(fastify);
    for (const { route } of this.entries) {
      fastify.route({
        method: route.method,
        url: route.path.replace(/\{(\w+)\}/g, ':$1'),
        bodyLimit: options.bodyLimit,
        handler: async (request, reply) => {
          const context = await options.context(route, request, reply);
          const input = {
            params: parsePart('path', route.params, request.params),
            query: parsePart('query', route.query, request.query),
            body: route.body ? parseBody(route.body, request) : undefined,
            context,
            request,
            reply,
          };
          const run = () => route.handler(input);
          const result = options.around ? await options.around(route, request, context, run) : await run();
          if (!result) return reply;
          reply.code(result.status);
          for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
          if (result.json !== undefined) return reply.header('content-type', JSON_CONTENT_TYPE).send(result.json);
          return result.body === undefined ? reply.send() : reply.send(result.body);
        },
      });
    }
  }
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const PROTOTYPE_KEY_DETAIL =
  'The request body is valid JSON but has a "__proto__" or "constructor.prototype" key, which is refused: such keys can change the prototype of objects on the server (prototype poisoning). No field of this API has that name; remove it.';

/**
 * Fastify's JSON parser refuses `__proto__` and `constructor.prototype` keys (right) with
 * the same error as malformed JSON (wrong). This keeps its parser and, when it refuses a
 * body that JSON.parse accepts, says what was refused and why.
 */
function explainPrototypeKeys(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = String(raw);
    parse(request, body, (error: Error | null, value?: unknown) => {
      if (error && isJson(body)) return done(new HttpProblem(400, PROTOTYPE_KEY_DETAIL), undefined);
      return error ? done(error, undefined) : done(null, value);
    });
  });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function pathPattern(template: string): RegExp {
  const source = template
    .split(/\{\w+\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}/?$`);
}

function parseBody(schema: z.ZodType, request: FastifyRequest): unknown {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpProblem(415, 'Send the request body as application/json.', { headers: { 'accept-post': 'application/json' } });
  }
  return parsePart('body', schema, request.body);
}

const MAX_MESSAGE_LENGTH = 200;

function parsePart(location: FieldError['location'], schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw validationProblem(
    result.error.issues.map((issue) => ({
      location,
      field: issue.path.map(String).join('.').slice(0, MAX_MESSAGE_LENGTH),
      message: issue.message.length > MAX_MESSAGE_LENGTH ? `${issue.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : issue.message,
    })),
  );
}
