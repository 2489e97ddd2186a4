import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swaggerUi from '@fastify/swagger-ui';
import type { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { HttpProblem, buildOpenApiDocument, type IdempotencyStore, type RouteRegistry } from '@parley/http-api';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AccessChanges, Authenticator } from '@parley/api-auth';
import type { StreamKeys } from '@parley/contracts';
import type { Access, ApiGate, RequestContext } from './api/access.js';
import { dbProblem } from './api/db-problems.js';
import type { LiveTails } from './api/live-tail.js';
import type { HubConfig } from './config.js';
import { installConsole, type LoginLimits } from './console/console.js';
import type { KeyUseRecorder } from './api/key-use.js';
import type { HubMetrics } from './hub.metrics.js';

export interface HubServerDeps {
  config: HubConfig;
  routes: RouteRegistry<Access, RequestContext>;
  gate: ApiGate;
  authenticator: Authenticator;
  loginLimits: LoginLimits;
  access: AccessChanges;
  keyUse: KeyUseRecorder;
  keys: StreamKeys;
  idempotency: IdempotencyStore;
  metrics: HubMetrics;
  tails: LiveTails;
  redis: Redis;
  pool: pg.Pool;
  logger: Logger;
}

const API_INFO = {
  title: 'Parley hub',
  version: '1.0.0',
  description:
    'Communities, channels, commands and everything the Parley bot answers with. A community is named in paths by its id or its slug. Command names are given without the chat prefix ("hi", not "!hi"). Errors are RFC 9457 problem documents.',
};

/**
 * The docs page runs Swagger UI's own scripts from this origin only; its React styles need
 * inline style attributes, so only styles get 'unsafe-inline' (never scripts).
 */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Parley's mark (a speech bubble) for the docs page, instead of the plugin's Fastify logo and favicon. */
const PARLEY_LOGO = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40"><path d="M4 4h32a4 4 0 0 1 4 4v18a4 4 0 0 1-4 4H16l-8 8v-8H4a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z" fill="#6d28d9"/><text x="48" y="28" font-family="sans-serif" font-size="22" font-weight="700" fill="#f5f5f5">Parley hub</text></svg>',
);
const PARLEY_ICON = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><path d="M4 4h32a4 4 0 0 1 4 4v18a4 4 0 0 1-4 4H16l-8 8v-8H4a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z" fill="#6d28d9"/></svg>',
);

/**
 * @fastify/swagger-ui shows what `fastify.swagger()` returns and requires a plugin named
 * `@fastify/swagger` to provide it. We generate the document ourselves, so this stands in
 * for that plugin (the metadata symbols are fastify-plugin's contract).
 */
function servesDocument(document: Record<string, unknown>) {
  const plugin = async (instance: FastifyInstance) => {
    instance.decorate('swagger', () => document);
  };
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@fastify/swagger',
    [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' },
  });
}

/** Headers Fastify sets itself, not helmet. */
const FASTIFY_OWN_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets with these options, read once from a throwaway Fastify
 * instance. The plugin builds helmet's middleware anew on every request (about a tenth of
 * the hub's CPU per read in bench:hub's profile); without CSP nonces its headers are the
 * same on every response, so the hub sets this object instead.
 */
async function helmetHeaders(options: Parameters<typeof helmet>[1]): Promise<Record<string, string>> {
  const probe = new FastifyAdapter({ logger: false }).getInstance();
  await probe.register(helmet, options);
  probe.get('/', async () => ({}));
  const response = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  return Object.fromEntries(
    Object.entries(response.headers)
      .filter(([name]) => !FASTIFY_OWN_HEADERS.has(name))
      .map(([name, value]) => [name, String(value)]),
  );
}

/** Puts the hub's routes and plugins on Nest's Fastify instance, and closes what it opened. */
export class HubServer implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly deps: HubServerDeps,
  ) {}

  /** Every API route, for the tests that must cover each one. */
  get routes(): RouteRegistry<Access, RequestContext> {
    return this.deps.routes;
  }

  async onModuleInit(): Promise<void> {
    const { routes, gate, idempotency, metrics, config } = this.deps;
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    // Not awaited: until the subscription is confirmed the key cache serves nothing.
    void this.deps.access.start();
    this.deps.keyUse.start();
    // Security headers on every response; the JSON API needs no CSP beyond "nothing".
    const securityHeaders = await helmetHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });
    fastify.addHook('onRequest', (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });
    metrics.observe(fastify);

    const document = buildOpenApiDocument(routes.routes(), API_INFO, (route) => route.access === 'public');
    routes.add({
      method: 'GET',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      tags: ['meta'],
      access: 'public',
      responses: { 200: { description: 'The OpenAPI document' } },
      handler: async () => ({ status: 200, body: document }),
    });

    await fastify.register(servesDocument(document));
    await fastify.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      uiConfig: { deepLinking: false },
      theme: { title: 'Parley hub API', favicon: [{ filename: 'parley.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: PARLEY_ICON }] },
      logo: { type: 'image/svg+xml', content: PARLEY_LOGO, href: '/docs', target: '_self' },
    });

    await fastify.register(cookie);
    installConsole(
      fastify,
      { cookieSecret: config.HUB_COOKIE_SECRET, cookieSecure: config.HUB_COOKIE_SECURE, sessionTtlSeconds: config.HUB_CONSOLE_SESSION_TTL_S },
      { routes, authenticator: this.deps.authenticator, loginLimits: this.deps.loginLimits, redis: this.deps.redis, keys: this.deps.keys },
    );

    routes.install(fastify, {
      bodyLimit: config.HUB_BODY_LIMIT_BYTES,
      context: (route, request, reply) => gate.context(route, request, reply),
      around: async (route, request, context, run) => {
        const execute = () => run().catch((error: unknown) => Promise.reject(dbProblem(error)));
        const key = request.headers['idempotency-key'];
        if (route.method !== 'POST' || key === undefined || !context.principal) return execute();
        if (typeof key !== 'string') throw new HttpProblem(400, 'Send one Idempotency-Key header.');
        return idempotency.run(context.principal.actor, key, { method: request.method, path: request.url, body: request.body }, execute);
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Open event streams would keep the HTTP server from closing: end them first.
    this.deps.tails.closeAll();
    this.deps.access.stop();
    await this.deps.keyUse.stop();
    await this.deps.pool.end();
    this.deps.redis.disconnect();
  }
}
