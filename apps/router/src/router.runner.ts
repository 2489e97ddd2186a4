import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { StreamConsumer } from '@parley/bus';
import type { CommunityReminderScheduler, ReminderScheduler, TimerScheduler } from '@parley/chat-modules';
import type { ChannelConfigCache, CommunityStats } from '@parley/commands';
import { decodeConfigChange, type StreamKeys } from '@parley/contracts';
import type { WebhookModuleClient } from '@parley/modules';
import { duplicateConnection } from '@parley/runtime';
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
  communityReminders?: CommunityReminderScheduler;
}

/** Starts consuming (a start-up step: Redis and Postgres answer); on shutdown finishes the batch in hand first. */
export class RouterRunner implements BeforeApplicationShutdown {
  /** The hub announces configuration changes on it; every replica drops its cache at once. */
  private readonly subscriber: Redis;

  constructor(private readonly deps: RouterRunnerDeps) {
    const { redis, cache, logger } = deps;
    this.subscriber = duplicateConnection(redis, logger, 'config-change subscriber');
    this.subscriber.on('message', (_channel: string, message: string) => {
      const change = decodeConfigChange(message);
      if (change) cache.invalidateCommunity(change.communityId);
      else cache.invalidateAll();
      this.deps.timers?.refresh();
      this.deps.communityReminders?.refresh();
    });
  }

  async start(): Promise<void> {
    const { consumer, keys, logger } = this.deps;
    await this.subscriber.subscribe(keys.configChanges());
    await consumer.start();
    // Losing an interval of counts is better than failing an event.
    this.deps.stats.start((error) => logger.debug({ err: error.message }, 'stats not written'));
    await this.deps.timers?.start();
    await this.deps.reminders?.start();
    await this.deps.communityReminders?.start();
    logger.info({ streams: keys.allEventPartitions() }, 'consuming chat events');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.timers?.stop();
    await this.deps.reminders?.stop();
    await this.deps.communityReminders?.stop();
    await this.deps.consumer.stop();
    await this.deps.stats.stop().catch(() => undefined);
    this.deps.modules.close();
    this.deps.cache.close();
    this.subscriber.disconnect();
    await this.deps.pool.end();
    this.deps.redis.disconnect();
  }
}
