import { Module, type DynamicModule } from '@nestjs/common';
import { youtube } from '@googleapis/youtube';
import { StreamProducer } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import { ChannelUnitHandler, ChatIngest, ConnectionHealth, IngestKeys, IngestRunner, SendBudget, createActionDelivery } from '@parley/ingest';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, redisCheck } from '@parley/observability';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { createRedisConnection, duplicateConnection, type ServiceStartup } from '@parley/runtime';
import { ShardMember } from '@parley/sharding';
import { YouTubeAdapter, type YouTubeFrame } from '@parley/youtube';
import type { Logger } from 'pino';
import type { IngestYouTubeConfig } from './config.js';
import { IngestYouTubeMetrics } from './ingest-youtube.metrics.js';
import { buildYouTubeAccess } from './youtube-access.js';

/** Wires YouTube Live chat ⇄ the bus: the YouTube adapter under the ingest kit. */
@Module({})
export class IngestYouTubeModule {
  static forConfig(config: IngestYouTubeConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    const ingestKeys = new IngestKeys(keys);
    const redis = createRedisConnection(config.REDIS_URL, logger);
    const { projects, access, refreshing } = buildYouTubeAccess(config, redis);
    const defaultProject = projects.get(config.YOUTUBE_PROJECT)!;

    // The ingest is built after the adapter but settles its pages: a late-bound reference.
    let ingest: ChatIngest<YouTubeFrame> | undefined;
    const adapter = new YouTubeAdapter({
      redis,
      keyPrefix: config.PARLEY_KEY_PREFIX,
      pod: config.INGEST_MEMBER_ID,
      access,
      api: youtube({ version: 'v3', rootUrl: config.YOUTUBE_API_URL }),
      grpcAddress: config.YOUTUBE_GRPC_ADDRESS,
      grpcTls: config.YOUTUBE_GRPC_TLS,
      longMessages: config.YOUTUBE_LONG_MESSAGES,
      liveChecks: { share: config.YOUTUBE_LIVE_CHECK_SHARE, minIntervalMs: config.YOUTUBE_LIVE_CHECK_MIN_MS, maxIntervalMs: config.YOUTUBE_LIVE_CHECK_MAX_MS },
      settle: () => ingest?.flush() ?? Promise.resolve(),
    });
    // No fixed channel list: follow what the shard manager assigns; YouTube channels are joined by id.
    const shardMember =
      config.YOUTUBE_CHANNELS.length > 0
        ? null
        : new ShardMember(redis, duplicateConnection(redis, logger, 'redis subscriber'), new ChannelUnitHandler(adapter, (unit) => unit.id), {
            keyPrefix: config.PARLEY_KEY_PREFIX,
            platform: 'youtube',
            member: config.INGEST_MEMBER_ID,
            memberTtlMs: config.INGEST_MEMBER_TTL_MS,
            unitLeaseTtlMs: config.INGEST_CHANNEL_LEASE_TTL_MS,
            pollIntervalMs: config.INGEST_ASSIGNMENT_POLL_MS,
            handover: config.INGEST_HANDOVER,
          });
    const connectionHealth = new ConnectionHealth();
    ingest = new ChatIngest(adapter, new StreamProducer(redis), keys, ingestKeys, connectionHealth);
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') });
    const budget = new SendBudget(limiter, (identity, channel) => ingestKeys.sendBudget('youtube', identity, channel), {
      perChannel: { count: config.YOUTUBE_SEND_LIMIT, perMs: config.YOUTUBE_SEND_WINDOW_MS },
    });
    const { delivery, consumer } = createActionDelivery({
      platform: 'youtube',
      adapter,
      redis,
      keys,
      ingestKeys,
      budget,
      identity: defaultProject.botChannelId,
      config,
    });

    const registry = createMetricsRegistry('ingest-youtube');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    health.register('redis', redisReady);
    health.register('startup', startup.check);
    health.register('youtube', async () => {
      // Ready means every owned channel is followed; a spent quota is a degraded state with a reason, not unreadiness (no restarts for it).
      const owned = shardMember ? shardMember.owned().map((unit) => unit.id) : config.YOUTUBE_CHANNELS;
      const followed = new Set(adapter.followed().map((state) => state.channelId));
      const missing = owned.filter((channelId) => !followed.has(channelId));
      if (missing.length > 0) throw new Error(`not following ${missing.length} of the ${owned.length} channels it owns (${missing.slice(0, 3).join(', ')}…)`);
    });
    const metrics = new IngestYouTubeMetrics(registry, { adapter, projects, connectionHealth, ingest, delivery, consumer, shardMember, refreshing }, logger);
    const runner = new IngestRunner({ platform: 'youtube', redis, adapter, ingest, consumer, channels: config.YOUTUBE_CHANNELS, shardMember, tokens: refreshing, logger });
    startup.dependsOn('redis', redisReady).step('follow youtube channels', ['redis'], () => runner.start());

    return {
      module: IngestYouTubeModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: IngestYouTubeMetrics, useValue: metrics },
        { provide: IngestRunner, useValue: runner },
      ],
    };
  }
}
