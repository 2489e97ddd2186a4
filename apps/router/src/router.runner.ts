import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { StreamConsumer } from '@parley/bus';
import type { ReminderScheduler, TimerScheduler } from '@parley/chat-modules';
import type { ChannelConfigCache, CommunityStats } from '@parley/commands';
import { decodeConfigChange, type StreamKeys } from '@parley/contracts';
import type { WebhookModuleClient } from '@parley/modules';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';

interface RouterRunnerDeps {
  redis: Redis;
  pool: pg.Pool;
  consumer: StreamConsumer;
  cache: ChannelConfigCache;
  modules: WebhookModuleClient;
  stats: CommunityStats;
  keys: StreamKeys;
  logger: Logger;
  /** Absent when the chat modules are switched off. */
  timers?: TimerScheduler;
  reminders?: ReminderScheduler;
}

/** Starts consuming once the app is up; on shutdown finishes the batch in hand first. */
export class RouterRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriber?: Redis;

  constructor(private readonly deps: RouterRunnerDeps) {}

  async onApplicationBootstrap(): Promise<void> {
    const { redis, consumer, cache, keys, logger } = this.deps;
    // The hub announces configuration changes; every replica drops its cache at once.
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', (error) => logger.warn({ err: error.message }, 'config-change subscriber error'));
    this.subscriber.on('message', (_channel: string, message: string) => {
      const change = decodeConfigChange(message);
      if (change) cache.invalidateCommunity(change.communityId);
      else cache.invalidateAll();
      this.deps.timers?.refresh();
    });
    await this.subscriber.subscribe(keys.configChanges());
    // Losing an interval of counts is better than failing an event.
    this.deps.stats.start((error) => logger.debug({ err: error.message }, 'stats not written'));
    await consumer.start();
    await this.deps.timers?.start();
    await this.deps.reminders?.start();
    logger.info({ streams: keys.allEventPartitions() }, 'consuming chat events');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.timers?.stop();
    await this.deps.reminders?.stop();
    await this.deps.consumer.stop();
    await this.deps.stats.stop().catch(() => undefined);
    this.deps.modules.close();
    this.subscriber?.disconnect();
    await this.deps.pool.end();
    this.deps.redis.disconnect();
  }
}
