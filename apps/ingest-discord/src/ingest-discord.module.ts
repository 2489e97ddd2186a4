import { Module, type DynamicModule } from '@nestjs/common';
import { StreamProducer } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import { DiscordAdapter, gatewayShardUnits, type DiscordFrame } from '@parley/discord';
import { ChannelUnitHandler, ChatIngest, ConnectionHealth, IngestKeys, IngestRunner, SendBudget, createActionDelivery } from '@parley/ingest';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, redisCheck } from '@parley/observability';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { createRedisConnection, duplicateConnection, type ServiceStartup } from '@parley/runtime';
import { ShardMember } from '@parley/sharding';
import type { Logger } from 'pino';
import type { IngestDiscordConfig } from './config.js';
import { IngestDiscordMetrics } from './ingest-discord.metrics.js';

/** Wires Discord ⇄ the bus: the Discord adapter (gateway shards in, REST out) under the ingest kit. */
@Module({})
export class IngestDiscordModule {
  static forConfig(config: IngestDiscordConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    const ingestKeys = new IngestKeys(keys);
    const redis = createRedisConnection(config.REDIS_URL, logger);

    // The ingest is built after the adapter but settles its checkpoints: a late-bound reference.
    let ingest: ChatIngest<DiscordFrame> | undefined;
    const adapter = new DiscordAdapter({
      redis,
      keyPrefix: config.PARLEY_KEY_PREFIX,
      pod: config.INGEST_MEMBER_ID,
      token: config.DISCORD_TOKEN,
      apiUrl: config.DISCORD_API_URL,
      shardCount: config.DISCORD_SHARD_COUNT,
      roleSettings: (guildId) => config.DISCORD_GUILDS[guildId],
      settle: () => ingest?.flush() ?? Promise.resolve(),
      checkpointIntervalMs: config.DISCORD_SESSION_CHECKPOINT_MS,
    });
    const allShards = gatewayShardUnits(config.DISCORD_SHARD_COUNT).map((unit) => unit.id);
    const shardMember =
      config.DISCORD_SHARDING === 'all'
        ? null
        : new ShardMember(redis, duplicateConnection(redis, logger, 'redis subscriber'), new ChannelUnitHandler(adapter, (unit) => unit.id), {
            keyPrefix: config.PARLEY_KEY_PREFIX,
            platform: 'discord',
            member: config.INGEST_MEMBER_ID,
            memberTtlMs: config.INGEST_MEMBER_TTL_MS,
            unitLeaseTtlMs: config.INGEST_CHANNEL_LEASE_TTL_MS,
            pollIntervalMs: config.INGEST_ASSIGNMENT_POLL_MS,
            // Never two owners of a shard: the successor RESUMEs the session the old owner leaves, and
            // Discord closes whichever socket resumed it first, so overlapping owners would take it from each other.
            handover: 'break-before-make',
          });
    const connectionHealth = new ConnectionHealth();
    // A connection is a gateway shard (its id): one handed away or lost stops being reported,
    // or its age would grow here for good and read as a silent connection.
    for (const change of ['released', 'lost'] as const) shardMember?.on(change, (unit) => connectionHealth.forget(Number.parseInt(unit.id, 10)));
    ingest = new ChatIngest(adapter, new StreamProducer(redis), keys, ingestKeys, connectionHealth);
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') });
    const budget = new SendBudget(limiter, (identity, channel) => ingestKeys.sendBudget('discord', identity, channel), {
      perChannel: { count: config.DISCORD_SEND_LIMIT, perMs: config.DISCORD_SEND_WINDOW_MS },
      moderationReserve: 1,
    });
    const { delivery, consumer } = createActionDelivery({
      platform: 'discord',
      adapter,
      redis,
      keys,
      ingestKeys,
      budget,
      identity: 'discord-bot',
      config,
    });

    const registry = createMetricsRegistry('ingest-discord');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    health.register('redis', redisReady);
    health.register('startup', startup.check);
    health.register('discord', async () => {
      const states = adapter.shardStates();
      const fatal = states.filter((state) => state.status === 'fatal');
      if (fatal.length > 0) throw new Error(`gateway shard(s) ${fatal.map((state) => `${state.shardId} (${'code' in state ? state.code : ''})`).join(', ')} closed with a fatal code: stopped`);
      const connecting = states.filter((state) => state.status === 'connecting');
      if (connecting.length > 0) throw new Error(`gateway shard(s) ${connecting.map((state) => state.shardId).join(', ')} not connected yet`);
    });
    const metrics = new IngestDiscordMetrics(registry, { adapter, connectionHealth, ingest, delivery, consumer, shardMember }, logger);
    const runner = new IngestRunner({ platform: 'discord', redis, adapter, ingest, consumer, channels: shardMember ? [] : allShards, shardMember, tokens: [], logger });
    startup.dependsOn('redis', redisReady).step('run discord gateway shards', ['redis'], () => runner.start());

    return {
      module: IngestDiscordModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: IngestDiscordMetrics, useValue: metrics },
        { provide: IngestRunner, useValue: runner },
      ],
    };
  }
}
