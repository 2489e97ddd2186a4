import helmet from '@fastify/helmet';
import type { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { HttpProblem, buildOpenApiDocument, type IdempotencyStore, type RouteRegistry } from '@parley/http-api';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Access, ApiGate, RequestContext } from './api/access.js';
import { dbProblem } from './api/db-problems.js';
import type { LiveTails } from './api/live-tail.js';
import type { HubConfig } from './config.js';
import type { HubMetrics } from './hub.metrics.js';

export interface HubServerDeps {
  config: HubConfig;
  routes: RouteRegistry<Access, RequestContext>;
  gate: ApiGate;
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
  description: 'Communities, channels, commands and everything the Parley bot answers with. Errors are RFC 9457 problem documents.',
};

/** Puts the hub's routes and plugins on Nest's Fastify instance, and closes what it opened. */
export class HubServer implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly deps: HubServerDeps,
  ) {}

  async onModuleInit(): Promise<void> {
    const { routes, gate, idempotency, metrics, config } = this.deps;
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    // Security headers on every response; the JSON API needs no CSP beyond "nothing".
    await fastify.register(helmet, { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });
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
    await this.deps.pool.end();
    this.deps.redis.disconnect();
  }
}
