import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { StreamConsumer } from '@parley/bus';
import type { ChatIngest, SharedTokenProvider } from '@parley/ingest';
import type { ShardMember } from '@parley/sharding';
import type { YouTubeAdapter } from '@parley/youtube';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

interface IngestYouTubeRunnerDeps {
  redis: Redis;
  adapter: YouTubeAdapter;
  ingest: Pick<ChatIngest<unknown>, 'flush'>;
  consumer: StreamConsumer;
  /** The fixed channel list; ignored when a shard member assigns channels. */
  channels: string[];
  shardMember: ShardMember | null;
  /** Tokens refreshed ahead of expiry, once for all pods. */
  refreshing: SharedTokenProvider[];
  logger: Logger;
}

/**
 * Follows its channels (the fixed list, or what the shard manager assigns), then delivers.
 * On shutdown it drains: leaves the pool so the next owner takes each channel, stops
 * reading (the page token of every published page is in Redis, so the next owner resumes
 * there), then finishes the actions in hand.
 */
export class IngestYouTubeRunner implements BeforeApplicationShutdown {
  constructor(private readonly deps: IngestYouTubeRunnerDeps) {}

  async start(): Promise<void> {
    const { adapter, consumer, channels, shardMember, refreshing, logger } = this.deps;
    for (const token of refreshing) token.start();
    await adapter.connect();
    if (shardMember) {
      shardMember.on('error', (error) => logger.warn({ err: error.message }, 'sharding error'));
      shardMember.on('lost', (unit) => logger.warn({ channel: unit.id }, 'channel lease lost: stopped following it'));
      await shardMember.start();
      logger.info({ member: shardMember.options.member }, 'joined the youtube ingest pool');
    } else {
      await Promise.all(channels.map((channel) => adapter.join(channel)));
      logger.info({ channels: channels.length }, 'following youtube channels');
    }
    await consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.shardMember?.drain();
    await this.deps.consumer.stop();
    await this.deps.adapter.close();
    await this.deps.ingest.flush();
    for (const token of this.deps.refreshing) token.stop();
    await this.deps.redis.quit().catch(() => this.deps.redis.disconnect());
  }
}
