import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { StreamConsumer } from '@parley/bus';
import type { ShardMember } from '@parley/sharding';
import type { ChatIngest, PlatformAdapter, SharedTokenProvider } from '@parley/ingest';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

interface IngestTwitchRunnerDeps {
  redis: Redis;
  adapter: PlatformAdapter;
  ingest: Pick<ChatIngest<unknown>, 'flush'>;
  consumer: StreamConsumer;
  /** The fixed channel list; ignored when a shard member assigns channels. */
  channels: string[];
  shardMember: ShardMember | null;
  /** The shared, refreshing token, when refresh credentials are configured. */
  auth: SharedTokenProvider | null;
  /** The app access token (EventSub transport), kept fresh like `auth`. */
  appToken: SharedTokenProvider | null;
  /** Runs after connecting, before any channel is joined (EventSub with a fixed list: start every conduit shard). */
  beforeJoin: (() => Promise<void>) | undefined;
  logger: Logger;
}

/**
 * Connects, joins its channels (the fixed list, or what the shard manager assigns), then
 * delivers. On shutdown it drains first: leaves the pool, parts every channel and releases
 * its lease, so the next owner joins right away, then finishes the actions in hand.
 */
export class IngestTwitchRunner implements BeforeApplicationShutdown {
  constructor(private readonly deps: IngestTwitchRunnerDeps) {}

  /** A start-up step: runs once Redis answers. */
  async start(): Promise<void> {
    const { adapter, consumer, channels, shardMember, auth, appToken, beforeJoin, logger } = this.deps;
    auth?.start();
    appToken?.start();
    await adapter.connect();
    await beforeJoin?.();
    if (shardMember) {
      shardMember.on('error', (error) => logger.warn({ err: error.message }, 'sharding error'));
      shardMember.on('lost', (unit) => logger.warn({ channel: unit.name }, 'channel lease lost: parted'));
      await shardMember.start();
      logger.info({ member: shardMember.options.member }, 'joined the twitch ingest pool');
    } else {
      await Promise.all(channels.map((channel) => adapter.join(channel)));
      logger.info({ channels: channels.length }, 'joined twitch channels');
    }
    await consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.shardMember?.drain();
    await this.deps.consumer.stop();
    await this.deps.adapter.close();
    // What was read before the close is published before the Redis connection goes.
    await this.deps.ingest.flush();
    this.deps.auth?.stop();
    this.deps.appToken?.stop();
    await this.deps.redis.quit().catch(() => this.deps.redis.disconnect());
  }
}
