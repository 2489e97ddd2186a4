import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { AccessChanges, Authenticator, CredentialCache } from '@parley/api-auth';
import { CommunityStats } from '@parley/commands';
import { StreamKeys, decodeConfigChange } from '@parley/contracts';
import { ApiKeyRepository, CommunityAdminRepository, CommunityRepository, createPool, migrate } from '@parley/db';
import { ImportJobs, urlCheckFrom } from '@parley/importers';
import { IdempotencyStore, ProblemExceptionFilter, RequestRateLimiter, RouteRegistry } from '@parley/http-api';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, postgresCheck, redisCheck } from '@parley/observability';
import { createRedisConnection, type ServiceStartup } from '@parley/runtime';
import { LiveStateStore } from '@parley/youtube/live-state';
import { WebhookUrlGuard } from '@parley/ssrf-guard';
import type { FastifyServerOptions } from 'fastify';
import { ChatModuleKeys, SpamFilters } from '@parley/chat-modules';
import type { Logger } from 'pino';
import { ApiGate, type Access, type RequestContext } from './api/access.js';
import { ChangeWriter } from './api/change-writer.js';
import { addAuditRoutes, addCommunityRoutes } from './api/community-routes.js';
import { KeyUseRecorder } from './api/key-use.js';
import { LiveTails } from './api/live-tail.js';
import { CommunityReadCache } from './api/read-cache.js';
import { addImportRoutes } from './api/import-routes.js';
import { addLiveRoutes } from './api/live-routes.js';
import { addChannelLiveRoutes } from './api/channel-live-routes.js';
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
  static forConfig(config: HubConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    // Named, so CLIENT LIST shows which connections are a hub's (its duplicates carry the name too).
    const redis = createRedisConnection(config.REDIS_URL, logger, { connectionName: `${config.PARLEY_KEY_PREFIX}-hub` });
    const pool = createPool(config.DATABASE_URL, { applicationName: 'parley-hub', max: config.HUB_DB_POOL_MAX });

    const registry = createMetricsRegistry('hub');
    const metrics = new HubMetrics(registry);
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    const postgresReady = postgresCheck(pool);
    health.register('redis', redisReady).register('postgres', postgresReady).register('startup', startup.check);
    // Only the schema must be there before the API serves; then ready once both answer.
    startup.dependsOn('postgres', postgresReady).dependsOn('redis', redisReady);
    if (config.PARLEY_MIGRATE_ON_START) startup.step('migrations', ['postgres'], () => migrate(config.DATABASE_URL));

    const apiKeys = new ApiKeyRepository(pool);
    const communities = new CommunityAdminRepository(pool);
    const credentials = new CredentialCache(apiKeys, { ttlMs: config.HUB_KEY_CACHE_TTL_MS });
    const authenticator = new Authenticator({ adminKey: config.HUB_ADMIN_TOKEN, keys: credentials });
    const tails = new LiveTails(
      redis,
      keys,
      { maxTails: config.HUB_MAX_TAILS, maxTailsPerCommunity: config.HUB_MAX_TAILS_PER_COMMUNITY, maxTailsPerKey: config.HUB_MAX_TAILS_PER_KEY },
      (open) => metrics.tailsOpen.set(open),
    );
    const reads = new CommunityReadCache({ ttlMs: config.HUB_READ_CACHE_TTL_MS });
    // Revocations and deletions reach every replica's key cache and live tails at once,
    // configuration changes (from any hub, router or the CLI) its read cache; while
    // notices may be missed, neither cache serves anything (see the README).
    const access = new AccessChanges(
      redis,
      keys.key('hub', 'access-changes'),
      {
        changed: (change) => {
          if (change.kind === 'key') credentials.forgetKey(change.keyId);
          else {
            credentials.forgetCommunity(change.communityId);
            reads.forgetCommunity(change.communityId);
          }
          tails.end((owner) => (change.kind === 'key' ? owner.keyId === change.keyId : owner.communityId === change.communityId));
        },
        notice: (_channel, message) => {
          const change = decodeConfigChange(message);
          if (change) reads.forgetCommunity(change.communityId);
          else reads.forgetAll();
        },
        lost: () => {
          credentials.distrust();
          reads.distrust();
        },
        restored: () => {
          credentials.trust();
          reads.trust();
          void tails.recheck();
        },
      },
      [keys.configChanges()],
    );

    const writer = new ChangeWriter(pool, redis, keys, access, (error) => {
      metrics.noticesFailed.inc();
      logger.warn({ err: error.message }, 'change notice not published; routers catch up when their cache expires, hub replicas when their key and read caches do');
    }, (communityId) => reads.forgetCommunity(communityId));
    const routes = new RouteRegistry<Access, RequestContext>();
    addCommunityRoutes(routes, { writer, db: pool });
    const resources = { writer, db: pool, reads, urlGuard: new WebhookUrlGuard({ allowList: config.HUB_WEBHOOK_ALLOWLIST }) };
    addResources(routes, resources);
    addAliasRoutes(routes, resources);
    addAuditRoutes(routes, { db: pool });
    addChannelLiveRoutes(routes, { db: pool, youtube: new LiveStateStore(redis, config.PARLEY_KEY_PREFIX) });
    addLiveRoutes(routes, { db: pool, stats: new CommunityStats(redis, keys), tails, authenticator, communities, filters: new SpamFilters(redis, new ChatModuleKeys(keys.prefix)) });
    const importJobs = new ImportJobs(pool, {
      onApplied: (communityId, result) => (result.affectsRouter ? writer.announce(communityId) : undefined),
      onUnexpectedError: (error) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'import job failed'),
    });
    addImportRoutes(routes, {
      db: pool,
      jobs: importJobs,
      checkUrl: urlCheckFrom(resources.urlGuard),
      nightbotUrl: config.HUB_IMPORT_NIGHTBOT_URL,
      streamElementsUrl: config.HUB_IMPORT_STREAMELEMENTS_URL,
      watchPollMs: 250,
      watchLimitMs: 15 * 60_000,
    });

    const window = config.HUB_RATE_LIMIT_WINDOW_MS;
    const limiter = new RequestRateLimiter(redis, keys.key('hub', 'ratelimit'));
    const keyUse = new KeyUseRecorder(apiKeys, config.HUB_KEY_USE_FLUSH_MS, (error) => logger.warn({ err: error.message }, 'API keys\' last use not recorded'));
    const gate = new ApiGate({
      authenticator,
      limiter,
      keyRule: { name: 'key', limit: config.HUB_RATE_LIMIT_PER_KEY, windowMs: window },
      ipRule: { name: 'ip', limit: config.HUB_RATE_LIMIT_PER_IP, windowMs: window },
      keyUse,
      communities,
      slugs: new CommunityRepository(pool),
      onRateLimited: (rule) => metrics.rateLimited.inc({ rule }),
      onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
    });
    const loginLimits = {
      limiter,
      ipRule: { name: 'login-ip', limit: config.HUB_LOGIN_RATE_LIMIT_PER_IP, windowMs: window },
      keyRule: { name: 'login-key', limit: config.HUB_LOGIN_RATE_LIMIT_PER_KEY, windowMs: window },
      onRateLimited: (rule: 'login-ip' | 'login-key') => metrics.rateLimited.inc({ rule }),
    };
    const idempotency = new IdempotencyStore(redis, {
      keyPrefix: keys.key('hub', 'idempotency'),
      ttlMs: config.HUB_IDEMPOTENCY_TTL_S * 1_000,
      pendingTtlMs: 60_000,
    });

    const filter = new ProblemExceptionFilter({
      allowedMethods: (path) => routes.allowedMethods(path),
      onServerError: (error, request) => {
        // /readyz answers 503 by design while a dependency is down: the outage is logged once elsewhere, not per probe.
        if (request.routeOptions.url === '/readyz') return;
        logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), method: request.method, route: request.routeOptions.url }, 'request failed');
      },
    });

    return {
      module: HubModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: APP_FILTER, useValue: filter },
        {
          provide: HubServer,
          inject: [HttpAdapterHost],
          useFactory: (host: HttpAdapterHost) =>
            new HubServer(host, { config, routes, gate, authenticator, loginLimits, access, keyUse, keys, idempotency, metrics, tails, redis, pool, logger }),
        },
      ],
    };
  }
}
