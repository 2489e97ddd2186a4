import type { StreamConsumer } from '@parley/bus';
import type { ShardMember } from '@parley/sharding';
import type { Redis } from 'ioredis';
import type { PlatformAdapter } from './adapter.js';
import type { ChatIngest } from './chat-ingest.js';

/** The slice of a pino logger the runner writes to. */
export interface RunnerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface IngestRunnerDeps {
  /** Names the platform in log lines (`joined the youtube ingest pool`). */
  platform: string;
  redis: Redis;
  adapter: Pick<PlatformAdapter, 'connect' | 'join' | 'close'>;
  ingest: Pick<ChatIngest<unknown>, 'flush'>;
  consumer: Pick<StreamConsumer, 'start' | 'stop'>;
  /** The fixed channel list; ignored when a shard member assigns channels. */
  channels: string[];
  shardMember: ShardMember | null;
  /** Shared tokens kept fresh in the background while the pod runs (`SharedTokenProvider`). */
  tokens: Array<{ start(): void; stop(): void }>;
  /** Runs after connecting, before any channel is taken (Twitch's EventSub with a fixed list: start every conduit shard). */
  beforeJoin?: () => Promise<void>;
  logger: RunnerLogger;
}

/**
 * An ingest pod's life: keep its tokens fresh, connect, take its channels (the fixed list,
 * or the shard manager's share), then deliver. Shutdown (Nest's `beforeApplicationShutdown`)
 * drains first: leave the pool so the next owner takes each channel at once, stop
 * delivering, close the platform connection, publish what was read, then let Redis go.
 */
export class IngestRunner {
  constructor(private readonly deps: IngestRunnerDeps) {}

  /** A start-up step: runs once Redis answers. */
  async start(): Promise<void> {
    const { platform, adapter, consumer, channels, shardMember, tokens, beforeJoin, logger } = this.deps;
    for (const token of tokens) token.start();
    await adapter.connect();
    await beforeJoin?.();
    if (shardMember) {
      shardMember.on('error', (error) => logger.warn({ err: error.message }, 'sharding error'));
      shardMember.on('lost', (unit) => logger.warn({ channel: unit.name }, 'channel lease lost: parted'));
      await shardMember.start();
      logger.info({ member: shardMember.options.member }, `joined the ${platform} ingest pool`);
    } else {
      await Promise.all(channels.map((channel) => adapter.join(channel)));
      logger.info({ channels: channels.length }, `joined ${platform} channels`);
    }
    await consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.shardMember?.drain();
    await this.deps.consumer.stop();
    await this.deps.adapter.close();
    // What was read before the close is published before the Redis connection goes.
    await this.deps.ingest.flush();
    for (const token of this.deps.tokens) token.stop();
    await this.deps.redis.quit().catch(() => this.deps.redis.disconnect());
  }
}
