import { Module, type DynamicModule } from '@nestjs/common';
import { StreamConsumer, StreamProducer } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, redisCheck } from '@parley/observability';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { TmiConnection, TwitchActionDelivery, TwitchChatIngest } from '@parley/twitch';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { IngestTwitchConfig } from './config.js';
import { IngestTwitchMetrics } from './ingest-twitch.metrics.js';
import { IngestTwitchRunner } from './ingest-twitch.runner.js';

/** Wires Twitch chat ⇄ the bus: TMI messages in as events, `twitch` actions out as chat lines. */
@Module({})
export class IngestTwitchModule {
  static forConfig(config: IngestTwitchConfig, logger: Logger): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    const redis = new Redis(config.REDIS_URL, { enableAutoPipelining: true });
    redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));

    const connection = new TmiConnection({ url: config.TWITCH_IRC_URL, login: config.TWITCH_BOT_LOGIN, token: config.TWITCH_OAUTH_TOKEN });
    const ingest = new TwitchChatIngest(connection, new StreamProducer(redis), keys, {
      botLogin: config.TWITCH_BOT_LOGIN,
      knownBots: new Set(config.TWITCH_KNOWN_BOTS),
    });
    const delivery = new TwitchActionDelivery(connection, redis, new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') }), keys, {
      botLogin: config.TWITCH_BOT_LOGIN,
      maxActionAgeMs: config.INGEST_MAX_ACTION_AGE_MS,
    });
    const consumer = new StreamConsumer(redis, {
      streams: [keys.actions('twitch')],
      group: 'ingest-twitch',
      consumer: config.INGEST_CONSUMER_NAME,
      deadLetterStream: keys.deadLetter(),
      handler: (entry) => delivery.handle(entry),
      claimIdleMs: config.INGEST_CLAIM_IDLE_MS,
    });

    const registry = createMetricsRegistry('ingest-twitch');
    const health = new HealthChecks();
    health.register('redis', redisCheck(redis));
    health.register('twitch', async () => {
      if (connection.joinedChannels().length < config.TWITCH_CHANNELS.length) throw new Error('not joined to every assigned channel');
    });
    const metrics = new IngestTwitchMetrics(registry, { connection, ingest, delivery, consumer }, logger);
    const runner = new IngestTwitchRunner({ redis, connection, consumer, channels: config.TWITCH_CHANNELS, logger });

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
