import { Module, type DynamicModule } from '@nestjs/common';
import { StreamConsumer, StreamProducer } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import { ChannelUnitHandler, ChatIngest, ConnectionHealth, IngestKeys, OutboundDelivery, SendBudget, type AuthProvider } from '@parley/ingest';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, redisCheck } from '@parley/observability';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { createRedisConnection, duplicateConnection, type ServiceStartup } from '@parley/runtime';
import { ShardMember } from '@parley/sharding';
import {
  RefreshingAuthProvider,
  SharedJoinBudget,
  TWITCH_DUPLICATE_WINDOW_MS,
  TWITCH_REPEAT_SUFFIX,
  TmiConnectionPool,
  TwitchIrcAdapter,
  normalizeChannel,
} from '@parley/twitch';
import type { Logger } from 'pino';
import type { IngestTwitchConfig } from './config.js';
import { IngestTwitchMetrics } from './ingest-twitch.metrics.js';
import { IngestTwitchRunner } from './ingest-twitch.runner.js';

/** Wires Twitch chat ⇄ the bus: the Twitch IRC adapter under the ingest kit. */
@Module({})
export class IngestTwitchModule {
  static forConfig(config: IngestTwitchConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    const ingestKeys = new IngestKeys(keys);
    const redis = createRedisConnection(config.REDIS_URL, logger);

    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') });
    const { TWITCH_REFRESH_TOKEN: refreshToken, TWITCH_CLIENT_ID: clientId, TWITCH_CLIENT_SECRET: clientSecret } = config;
    // With refresh credentials the token is refreshed ahead of expiry, once for all pods.
    const auth =
      refreshToken && clientId && clientSecret
        ? new RefreshingAuthProvider(redis, {
            keyPrefix: config.PARLEY_KEY_PREFIX,
            holder: config.INGEST_MEMBER_ID,
            account: config.TWITCH_BOT_LOGIN,
            clientId,
            clientSecret,
            initialRefreshToken: refreshToken,
            tokenUrl: config.TWITCH_TOKEN_URL,
            validateUrl: config.TWITCH_VALIDATE_URL,
          })
        : null;
    // The schema guarantees a static token when there are no refresh credentials.
    const token: string | AuthProvider = auth ?? config.TWITCH_OAUTH_TOKEN!;
    const pool = new TmiConnectionPool({
      channelsPerConnection: config.TWITCH_CHANNELS_PER_CONNECTION,
      connection: {
        url: config.TWITCH_IRC_URL,
        login: config.TWITCH_BOT_LOGIN,
        token,
        pingIntervalMs: config.TWITCH_PING_INTERVAL_MS,
        // The JOIN limit is the bot account's: every connection of every pod draws from one budget in Redis.
        joinBudget: new SharedJoinBudget(limiter, config.TWITCH_BOT_LOGIN, { count: config.TWITCH_JOIN_LIMIT, perMs: config.TWITCH_JOIN_WINDOW_MS }),
      },
    });
    const adapter = new TwitchIrcAdapter(pool, { botLogin: config.TWITCH_BOT_LOGIN, knownBots: new Set(config.TWITCH_KNOWN_BOTS) });
    // No fixed channel list: join what the shard manager assigns, one channel lease at a time.
    const shardMember =
      config.TWITCH_CHANNELS.length > 0
        ? null
        : new ShardMember(redis, duplicateConnection(redis, logger, 'redis subscriber'), new ChannelUnitHandler(adapter), {
            keyPrefix: config.PARLEY_KEY_PREFIX,
            platform: 'twitch',
            member: config.INGEST_MEMBER_ID,
            memberTtlMs: config.INGEST_MEMBER_TTL_MS,
            unitLeaseTtlMs: config.INGEST_CHANNEL_LEASE_TTL_MS,
            pollIntervalMs: config.INGEST_ASSIGNMENT_POLL_MS,
            handover: config.INGEST_HANDOVER,
          });
    const connectionHealth = new ConnectionHealth();
    const ingest = new ChatIngest(adapter, new StreamProducer(redis), keys, ingestKeys, connectionHealth);
    const budget = new SendBudget(limiter, (identity, channel) => ingestKeys.sendBudget('twitch', identity, channel), {
      perChannel: (channel) => ({
        count: pool.isModeratorIn(channel) ? config.TWITCH_MODERATOR_SEND_LIMIT : config.TWITCH_SEND_LIMIT,
        perMs: config.TWITCH_SEND_WINDOW_MS,
      }),
    });
    const delivery = new OutboundDelivery(adapter, redis, ingestKeys, budget, {
      identity: config.TWITCH_BOT_LOGIN,
      maxActionAgeMs: config.INGEST_MAX_ACTION_AGE_MS,
      confirmTimeoutMs: config.INGEST_CONFIRM_TIMEOUT_MS,
      onAmbiguous: config.INGEST_ON_AMBIGUOUS,
      repeatRefusal: { suffix: TWITCH_REPEAT_SUFFIX, windowMs: TWITCH_DUPLICATE_WINDOW_MS },
    });
    const consumer = new StreamConsumer(redis, {
      streams: keys.allActionPartitions('twitch'),
      group: 'ingest-twitch',
      consumer: config.INGEST_CONSUMER_NAME,
      deadLetterStream: (stream) => keys.deadLetterFor(stream),
      handler: (entry) => delivery.handle(entry),
      claimIdleMs: config.INGEST_CLAIM_IDLE_MS,
      batchSize: config.INGEST_BATCH_SIZE,
      liveness: { key: (stream) => keys.consumers('ingest-twitch', stream), ttlMs: config.INGEST_CONSUMER_TTL_MS },
    });

    const registry = createMetricsRegistry('ingest-twitch');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    health.register('redis', redisReady);
    health.register('startup', startup.check);
    health.register('twitch', async () => {
      const owned = shardMember ? shardMember.owned().map((unit) => unit.name) : config.TWITCH_CHANNELS;
      const joined = new Set(pool.joinedChannels());
      const missing = owned.filter((channel) => !joined.has(normalizeChannel(channel)));
      if (missing.length > 0) throw new Error(`not in ${missing.length} of the ${owned.length} channels it owns (${missing.slice(0, 3).join(', ')}…)`);
      connectionHealth.assertFresh(config.INGEST_MAX_SILENCE_MS);
    });
    const metrics = new IngestTwitchMetrics(registry, { pool, connectionHealth, ingest, delivery, consumer, shardMember, auth }, logger);
    const runner = new IngestTwitchRunner({ redis, adapter, ingest, consumer, channels: config.TWITCH_CHANNELS, shardMember, auth, logger });
    startup.dependsOn('redis', redisReady).step('join twitch channels', ['redis'], () => runner.start());

    return {
      module: IngestTwitchModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: IngestTwitchMetrics, useValue: metrics },
        { provide: IngestTwitchRunner, useValue: runner },
      ],
    };
  }
}
