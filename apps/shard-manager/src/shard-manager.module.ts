import { Module, type DynamicModule } from '@nestjs/common';
import { StreamKeys, type Platform } from '@parley/contracts';
import { ChannelRepository, createPool, migrate } from '@parley/db';
import { gatewayShardUnits } from '@parley/discord';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, postgresCheck, redisCheck } from '@parley/observability';
import { BoundedLoadPlacement, ConsistentHashPlacement, ShardManager, StickyBoundedLoadPlacement, type PlacementStrategy } from '@parley/sharding';
import { createRedisConnection, duplicateConnection, type ServiceStartup } from '@parley/runtime';
import type { Logger } from 'pino';
import { AssignmentController } from './assignment.controller.js';
import type { ShardManagerConfig } from './config.js';
import { ShardManagerMetrics } from './shard-manager.metrics.js';
import { ShardManagerRunner } from './shard-manager.runner.js';

/** Wires the shard manager: enabled channels from Postgres, live ingest pods from Redis, the assignment back to Redis. */
@Module({})
export class ShardManagerModule {
  static forConfig(config: ShardManagerConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, 1);
    const redis = createRedisConnection(config.REDIS_URL, logger);
    const subscriber = duplicateConnection(redis, logger, 'redis subscriber');
    const pool = createPool(config.DATABASE_URL);
    const channels = new ChannelRepository(pool);

    const placements: Record<ShardManagerConfig['SHARD_PLACEMENT'], () => PlacementStrategy> = {
      'sticky-bounded-load': () => new StickyBoundedLoadPlacement({ virtualNodes: config.SHARD_VIRTUAL_NODES }),
      'bounded-load': () => new BoundedLoadPlacement({ virtualNodes: config.SHARD_VIRTUAL_NODES, loadFactor: config.SHARD_LOAD_FACTOR }),
      'consistent-hash': () => new ConsistentHashPlacement({ virtualNodes: config.SHARD_VIRTUAL_NODES }),
    };
    const placement = placements[config.SHARD_PLACEMENT]();
    const manager = new ShardManager(
      redis,
      subscriber,
      {
        // Discord's unit is a gateway shard, not a channel (Discord spreads guilds over shards itself);
        // through an EventSub conduit Twitch spreads the channels itself: the unit is a conduit shard.
        // Twitch IRC joins by login, so a channel unit carries the channel's name beside its id.
        units: async (platform) =>
          platform === 'discord'
            ? gatewayShardUnits(config.SHARD_DISCORD_GATEWAY_SHARDS)
            : platform === 'twitch' && config.SHARD_TWITCH_CONDUIT_SHARDS !== undefined
            ? Array.from({ length: config.SHARD_TWITCH_CONDUIT_SHARDS }, (_, shard) => ({ id: String(shard), name: `conduit-shard-${shard}` }))
            : (await channels.listEnabled(platform as Platform)).map((channel) => ({ id: channel.platformChannelId, name: channel.name })),
      },
      {
        keyPrefix: config.PARLEY_KEY_PREFIX,
        holder: config.SHARD_MANAGER_ID,
        platforms: config.SHARD_PLATFORMS,
        placement,
        leaderLeaseTtlMs: config.SHARD_LEADER_LEASE_TTL_MS,
        memberTtlMs: config.SHARD_MEMBER_TTL_MS,
        rebalanceDebounceMs: config.SHARD_REBALANCE_DEBOUNCE_MS,
        pollIntervalMs: config.SHARD_POLL_INTERVAL_MS,
        unitsPollIntervalMs: config.SHARD_UNITS_POLL_INTERVAL_MS,
      },
    );

    const registry = createMetricsRegistry('shard-manager');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    const postgresReady = postgresCheck(pool);
    health.register('redis', redisReady).register('postgres', postgresReady).register('startup', startup.check);
    const metrics = new ShardManagerMetrics(registry, manager, logger);
    const runner = new ShardManagerRunner({ redis, subscriber, pool, manager, keys, logger });
    startup.dependsOn('redis', redisReady).dependsOn('postgres', postgresReady);
    if (config.PARLEY_MIGRATE_ON_START) startup.step('migrations', ['postgres'], () => migrate(config.DATABASE_URL));
    startup.step('run for leadership', ['redis', 'postgres'], () => runner.start());

    return {
      module: ShardManagerModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      controllers: [AssignmentController],
      providers: [
        { provide: ShardManager, useValue: manager },
        { provide: ShardManagerMetrics, useValue: metrics },
        { provide: ShardManagerRunner, useValue: runner },
      ],
    };
  }
}
