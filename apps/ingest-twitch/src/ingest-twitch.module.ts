import { Module, type BeforeApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { StreamProducer } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import {
  ChannelUnitHandler,
  ChatIngest,
  ConnectionHealth,
  IngestKeys,
  IngestRunner,
  SendBudget,
  SharedTokenProvider,
  StaticAuthProvider,
  createActionDelivery,
  type AuthProvider,
  type PlatformAdapter,
} from '@parley/ingest';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, redisCheck } from '@parley/observability';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { createRedisConnection, duplicateConnection, type ServiceStartup } from '@parley/runtime';
import { ChannelAuthorizationRepository, ChannelRepository, createPool } from '@parley/db';
import { LeaseManager, ShardMember } from '@parley/sharding';
import {
  ConduitShardUnitHandler,
  EventSubAdapter,
  HelixClient,
  HelixModeration,
  RefreshingAuthProvider,
  SharedJoinBudget,
  TWITCH_DUPLICATE_WINDOW_MS,
  TWITCH_REPEAT_SUFFIX,
  TmiConnectionPool,
  TwitchAppTokenIssuer,
  TwitchIrcAdapter,
  normalizeChannel,
} from '@parley/twitch';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { IngestTwitchConfig } from './config.js';
import { IngestTwitchMetrics } from './ingest-twitch.metrics.js';
import { ShardDisabledRelay } from './shard-disabled-relay.js';
import { SubscriptionReconciler } from './subscription-reconciler.js';

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
    // Delete and timeout go through Helix as the bot (Twitch retired them over IRC).
    const moderation =
      clientId && config.TWITCH_BOT_USER_ID
        ? new HelixModeration(
            new HelixClient({ clientId, baseUrl: config.TWITCH_HELIX_URL, auth: typeof token === 'string' ? new StaticAuthProvider(token.replace(/^oauth:/, '')) : token }),
            config.TWITCH_BOT_USER_ID,
          )
        : undefined;
    const eventSub = config.TWITCH_TRANSPORT === 'eventsub' ? eventSubAdapter(config, redis, keys, logger, moderation) : null;
    const adapter: PlatformAdapter<unknown> =
      eventSub?.adapter ?? new TwitchIrcAdapter(pool, { botLogin: config.TWITCH_BOT_LOGIN, knownBots: new Set(config.TWITCH_KNOWN_BOTS), moderation });
    // No fixed channel list: join what the shard manager assigns, one channel lease (IRC) or conduit shard (EventSub) at a time.
    const shardMember =
      config.TWITCH_CHANNELS.length > 0
        ? null
        : new ShardMember(redis, duplicateConnection(redis, logger, 'redis subscriber'), eventSub ? new ConduitShardUnitHandler(eventSub.adapter) : new ChannelUnitHandler(adapter), {
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
    const { delivery, consumer } = createActionDelivery({
      platform: 'twitch',
      adapter,
      redis,
      keys,
      ingestKeys,
      budget,
      identity: config.TWITCH_BOT_LOGIN,
      config,
      repeatRefusal: { suffix: TWITCH_REPEAT_SUFFIX, windowMs: TWITCH_DUPLICATE_WINDOW_MS },
    });

    const registry = createMetricsRegistry('ingest-twitch');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    health.register('redis', redisReady);
    health.register('startup', startup.check);
    health.register('twitch', async () => {
      if (eventSub) {
        const running = new Set(eventSub.adapter.runningShards());
        const shards = shardMember ? shardMember.owned().map((unit) => unit.id) : allShards(config.TWITCH_CONDUIT_SHARDS);
        const missing = shards.filter((shard) => !running.has(shard) || !eventSub.adapter.sessionOf(shard));
        if (missing.length > 0) throw new Error(`conduit shards without a session: ${missing.slice(0, 3).join(', ')}`);
        return;
      }
      const owned = shardMember ? shardMember.owned().map((unit) => unit.name) : config.TWITCH_CHANNELS;
      const joined = new Set(pool.joinedChannels());
      const missing = owned.filter((channel) => !joined.has(normalizeChannel(channel)));
      if (missing.length > 0) throw new Error(`not in ${missing.length} of the ${owned.length} channels it owns (${missing.slice(0, 3).join(', ')}…)`);
      connectionHealth.assertFresh(config.INGEST_MAX_SILENCE_MS);
    });
    const metrics = new IngestTwitchMetrics(
      registry,
      { pool, eventSub: eventSub?.adapter ?? null, reconciler: shardMember ? (eventSub?.reconciler ?? null) : null, relay: eventSub?.relay ?? null, connectionHealth, ingest, delivery, consumer, shardMember, auth },
      logger,
    );
    const runner = new IngestRunner({
      platform: 'twitch',
      redis,
      adapter,
      ingest,
      consumer,
      channels: config.TWITCH_CHANNELS,
      shardMember,
      // The bot's refreshing user token, and the app access token of the EventSub transport.
      tokens: [auth, eventSub?.appToken ?? null].filter((token) => token !== null),
      // A fixed channel list runs every conduit shard here; otherwise the shard manager hands them out
      // and the subscriptions follow the hub's channels (one pod reconciles them).
      ...(eventSub && {
        beforeJoin: async () => {
          await eventSub.relay.start();
          if (shardMember) await eventSub.reconciler?.start();
          else await Promise.all(allShards(config.TWITCH_CONDUIT_SHARDS).map((shard) => eventSub.adapter.startShard(shard)));
        },
      }),
      logger,
    });
    startup.dependsOn('redis', redisReady).step('join twitch channels', ['redis'], () => runner.start());

    return {
      module: IngestTwitchModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: IngestTwitchMetrics, useValue: metrics },
        { provide: IngestRunner, useValue: runner },
        ...(eventSub ? [{ provide: EventSubCoordination, useValue: eventSub.coordination }] : []),
      ],
    };
  }
}

const allShards = (count: number): string[] => Array.from({ length: count }, (_, shard) => String(shard));

/**
 * The EventSub transport: Helix with the app access token (fetched ahead of expiry once
 * for all pods: the kit's shared token with the client credentials grant) for the conduit,
 * subscriptions and chat messages; the conduit found or created under a Redis lease; the
 * relay of `conduit.shard.disabled` between pods; and, with a database, the reconciler of
 * the conduit's subscriptions with the hub's channels.
 */
function eventSubAdapter(config: IngestTwitchConfig, redis: Redis, keys: StreamKeys, logger: Logger, moderation: HelixModeration | undefined) {
  // The schema guarantees these in eventsub mode.
  const clientId = config.TWITCH_CLIENT_ID!;
  const appToken = new SharedTokenProvider(
    redis,
    new TwitchAppTokenIssuer({ clientId, clientSecret: config.TWITCH_CLIENT_SECRET!, tokenUrl: config.TWITCH_TOKEN_URL, validateUrl: config.TWITCH_VALIDATE_URL, requestTimeoutMs: 10_000 }),
    {
      keyPrefix: config.PARLEY_KEY_PREFIX,
      platform: 'twitch-app',
      holder: config.INGEST_MEMBER_ID,
      account: clientId,
      initialRefreshToken: TwitchAppTokenIssuer.NO_REFRESH_TOKEN,
    },
  );
  // Finding or creating the conduit takes a few Helix calls: 30 s is ample, and what a pod dying mid-way blocks the others.
  const conduitLeases = new LeaseManager(redis, { keyPrefix: config.PARLEY_KEY_PREFIX, holder: config.INGEST_MEMBER_ID, ttlMs: 30_000 });
  const adapter = new EventSubAdapter(new HelixClient({ clientId, baseUrl: config.TWITCH_HELIX_URL, auth: appToken }), {
    botLogin: config.TWITCH_BOT_LOGIN,
    botUserId: config.TWITCH_BOT_USER_ID!,
    shardCount: config.TWITCH_CONDUIT_SHARDS,
    knownBots: new Set(config.TWITCH_KNOWN_BOTS),
    moderation,
    singleFlight: (work) => conduitLeases.withLease('twitch-eventsub-conduit', work),
    session: { url: config.TWITCH_EVENTSUB_URL, keepaliveSeconds: config.TWITCH_EVENTSUB_KEEPALIVE_SECONDS, reconnectBackoff: { baseMs: 250, maxMs: 5_000 } },
  });
  const subscriber = duplicateConnection(redis, logger, 'eventsub subscriber');
  const relay = new ShardDisabledRelay({ adapter, publisher: redis, subscriber, channel: keys.key('twitch', 'conduit-shard-disabled') });
  const database = config.DATABASE_URL ? createPool(config.DATABASE_URL, { max: 2 }) : null;
  const reconciler = database
    ? new SubscriptionReconciler({
        adapter,
        leases: new LeaseManager(redis, { keyPrefix: config.PARLEY_KEY_PREFIX, holder: config.INGEST_MEMBER_ID, ttlMs: config.INGEST_MEMBER_TTL_MS }),
        subscriber,
        keys,
        channels: new ChannelRepository(database),
        authorizations: new ChannelAuthorizationRepository(database),
        intervalMs: config.TWITCH_SUBSCRIPTIONS_RECONCILE_MS,
      })
    : null;
  if (database) {
    const authorizations = new ChannelAuthorizationRepository(database);
    const record = (platformChannelId: string, state: 'granted' | 'refused', reason: string | null) =>
      authorizations.record('twitch', [{ platformChannelId, state, reason }]).catch((error: Error) => logger.warn({ err: error.message }, 'could not record a channel’s authorization'));
    // Revoked on any pod: the channel's authorization is written where the hub reads it.
    adapter.on('revoked', ({ broadcasterId, status, authorizationLost }) => {
      if (authorizationLost && broadcasterId) void record(broadcasterId, 'refused', status);
    });
    // A fixed channel list has no reconciler: each join's outcome is written as it changes.
    if (config.TWITCH_CHANNELS.length > 0) {
      adapter.on('authorization', ({ broadcasterId, state, reason }) => {
        if (state !== 'pending') void record(broadcasterId, state, reason);
      });
    }
  }
  return { adapter, appToken, relay, reconciler, coordination: new EventSubCoordination(reconciler, subscriber, database) };
}

/** Stops what the EventSub transport runs beside the kit (the reconciler, the subscriber, the pool) on shutdown. */
class EventSubCoordination implements BeforeApplicationShutdown {
  constructor(
    private readonly reconciler: SubscriptionReconciler | null,
    private readonly subscriber: Redis,
    private readonly database: pg.Pool | null,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciler?.stop();
    this.subscriber.disconnect();
    await this.database?.end();
  }
}
