import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { Authenticator } from '@parley/api-auth';
import { CommunityStats } from '@parley/commands';
import { StreamKeys } from '@parley/contracts';
import { ApiKeyRepository, CommunityAdminRepository, createPool } from '@parley/db';
import { IdempotencyStore, ProblemExceptionFilter, RequestRateLimiter, RouteRegistry } from '@parley/http-api';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, postgresCheck, redisCheck } from '@parley/observability';
import { WebhookUrlGuard } from '@parley/ssrf-guard';
import type { FastifyServerOptions } from 'fastify';
import { ChatModuleKeys, SpamFilters } from '@parley/chat-modules';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiGate, type Access, type RequestContext } from './api/access.js';
import { ChangeWriter } from './api/change-writer.js';
import { addAuditRoutes, addCommunityRoutes } from './api/community-routes.js';
import { LiveTails } from './api/live-tail.js';
import { addLiveRoutes } from './api/live-routes.js';
import { addAliasRoutes, addResources } from './api/resources.js';
import type { HubConfig } from './config.js';
import { HubMetrics } from './hub.metrics.js';
import { HubServer } from './hub.server.js';

/** Fastify options the hub needs from its configuration (the body limit, the trusted proxy hops). */
export function fastifyOptions(config: HubConfig): FastifyServerOptions {
  const hops = config.HUB_TRUSTED_PROXY_HOPS;
  // X-Forwarded-For is trusted for exactly as many hops as there are proxies in front.
  return { bodyLimit: config.HUB_BODY_LIMIT_BYTES, trustProxy: hops > 0 ? (_address: string, hop: number) => hop < hops : false };
}

/**
 * Wires the hub: the REST API (a route registry of libs' pieces), its documentation,
 * the console, the live tail, health and metrics. Logic lives in the libs and in the
 * route definitions under api/.
 */
@Module({})
export class HubModule {
  static forConfig(config: HubConfig, logger: Logger): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    const redis = new Redis(config.REDIS_URL, { enableAutoPipelining: true });
    redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
    const pool = createPool(config.DATABASE_URL, { applicationName: 'parley-hub' });

    const registry = createMetricsRegistry('hub');
    const metrics = new HubMetrics(registry);
    const health = new HealthChecks();
    health.register('redis', redisCheck(redis));
    health.register('postgres', postgresCheck(pool));

    const writer = new ChangeWriter(pool, redis, keys, (error) => {
      metrics.noticesFailed.inc();
      logger.warn({ err: error.message }, 'configuration-change notice not published; routers catch up when their cache expires');
    });
    const routes = new RouteRegistry<Access, RequestContext>();
    addCommunityRoutes(routes, { writer, db: pool });
    const resources = { writer, db: pool, urlGuard: new WebhookUrlGuard({ allowList: config.HUB_WEBHOOK_ALLOWLIST }) };
    addResources(routes, resources);
    addAliasRoutes(routes, resources);
    addAuditRoutes(routes, { db: pool });
    const tails = new LiveTails(redis, keys, { maxTails: config.HUB_MAX_TAILS }, (open) => metrics.tailsOpen.set(open));
    addLiveRoutes(routes, { db: pool, stats: new CommunityStats(redis, keys), tails, filters: new SpamFilters(redis, new ChatModuleKeys(keys.prefix)) });

    const apiKeys = new ApiKeyRepository(pool);
    const window = config.HUB_RATE_LIMIT_WINDOW_MS;
    const authenticator = new Authenticator({ adminKey: config.HUB_ADMIN_TOKEN, keys: apiKeys });
    const gate = new ApiGate({
      authenticator,
      limiter: new RequestRateLimiter(redis, keys.key('hub', 'ratelimit')),
      keyRule: { name: 'key', limit: config.HUB_RATE_LIMIT_PER_KEY, windowMs: window },
      ipRule: { name: 'ip', limit: config.HUB_RATE_LIMIT_PER_IP, windowMs: window },
      apiKeys,
      communities: new CommunityAdminRepository(pool),
      onRateLimited: (rule) => metrics.rateLimited.inc({ rule }),
      onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
    });
    const idempotency = new IdempotencyStore(redis, {
      keyPrefix: keys.key('hub', 'idempotency'),
      ttlMs: config.HUB_IDEMPOTENCY_TTL_S * 1_000,
      pendingTtlMs: 60_000,
    });

    const filter = new ProblemExceptionFilter({
      allowedMethods: (path) => routes.allowedMethods(path),
      onServerError: (error, request) =>
        logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), method: request.method, route: request.routeOptions.url }, 'request failed'),
    });

    return {
      module: HubModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: APP_FILTER, useValue: filter },
        {
          provide: HubServer,
          inject: [HttpAdapterHost],
          useFactory: (host: HttpAdapterHost) => new HubServer(host, { config, routes, gate, authenticator, keys, idempotency, metrics, tails, redis, pool, logger }),
        },
      ],
    };
  }
}
