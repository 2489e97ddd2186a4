import { Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StreamProducer } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import { ChatIngest, ConnectionHealth, IngestKeys, IngestRunner, SendBudget, createActionDelivery } from '@parley/ingest';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, redisCheck } from '@parley/observability';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { createRedisConnection, type ServiceStartup } from '@parley/runtime';
import { SlackAdapter, SlackEventsReceiver, SlackUserRoles } from '@parley/slack';
import type { Logger } from 'pino';
import type { IngestSlackConfig } from './config.js';
import { IngestSlackMetrics } from './ingest-slack.metrics.js';
import { SlackEventsRoute } from './slack-events.route.js';

/** Wires Slack ⇄ the bus: the Events API receiver in, the Slack adapter under the ingest kit out. */
@Module({})
export class IngestSlackModule {
  static forConfig(config: IngestSlackConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    const ingestKeys = new IngestKeys(keys);
    const redis = createRedisConnection(config.REDIS_URL, logger);
    const workspaces = new Map(Object.entries(config.SLACK_WORKSPACES));

    const adapter = new SlackAdapter({ apiUrl: config.SLACK_API_URL, workspace: (teamId) => workspaces.get(teamId) });
    const connectionHealth = new ConnectionHealth();
    const ingest = new ChatIngest(adapter, new StreamProducer(redis), keys, ingestKeys, connectionHealth);
    // Authors' roles from users.info, cached per pod; Slack failing to answer makes an author `everyone`, never drops the message.
    const userRoles = new SlackUserRoles({
      lookup: (teamId, userId) => adapter.userFlags(teamId, userId),
      ttlMs: config.SLACK_USER_CACHE_TTL_MS,
      maxEntries: config.SLACK_USER_CACHE_MAX_ENTRIES,
      timeoutMs: config.SLACK_USER_LOOKUP_TIMEOUT_MS,
    });
    const receiver = new SlackEventsReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET,
      maxBodyBytes: config.SLACK_MAX_BODY_BYTES,
      workspace: (teamId) => {
        const workspace = workspaces.get(teamId);
        return workspace && { teamId, botUserId: workspace.botUserId };
      },
      publish: (event) => ingest.publish(event),
      roles: (teamId, userId) => userRoles.roles(teamId, userId),
    });
    // Slack has no connection to watch: the age of the last event it delivered stands for it.
    receiver.on('published', () => connectionHealth.seen(0));
    receiver.on('ignored', () => connectionHealth.seen(0));

    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') });
    // Slack paces each channel; moderation has no lane of its own here (Slack bots cannot time out).
    const budget = new SendBudget(limiter, (identity, channel) => ingestKeys.sendBudget('slack', identity, channel), {
      perChannel: { count: config.SLACK_SEND_LIMIT, perMs: config.SLACK_SEND_WINDOW_MS },
      moderationReserve: 0,
    });
    const { delivery, consumer } = createActionDelivery({
      platform: 'slack',
      adapter,
      redis,
      keys,
      ingestKeys,
      budget,
      identity: 'slack-app',
      config,
    });

    const registry = createMetricsRegistry('ingest-slack');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    health.register('redis', redisReady);
    health.register('startup', startup.check);
    const metrics = new IngestSlackMetrics(registry, { receiver, userRoles, connectionHealth, ingest, delivery, consumer }, logger);
    // Every pod serves every workspace (Slack posts to one URL behind a load balancer): no shard member, no channels to join.
    const runner = new IngestRunner({ platform: 'slack', redis, adapter, ingest, consumer, channels: [], shardMember: null, tokens: [], logger });
    startup.dependsOn('redis', redisReady).step('deliver slack actions', ['redis'], () => runner.start());

    return {
      module: IngestSlackModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: IngestSlackMetrics, useValue: metrics },
        { provide: IngestRunner, useValue: runner },
        { provide: SlackEventsRoute, inject: [HttpAdapterHost], useFactory: (host: HttpAdapterHost) => new SlackEventsRoute(host, receiver, config.SLACK_EVENTS_PATH) },
      ],
    };
  }
}
