import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { StreamConsumer } from '@parley/bus';
import type { TmiConnection } from '@parley/twitch';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

interface IngestTwitchRunnerDeps {
  redis: Redis;
  connection: TmiConnection;
  consumer: StreamConsumer;
  channels: string[];
  logger: Logger;
}

/** Connects, joins the assigned channels, then starts delivering; on shutdown parts and stops cleanly. */
export class IngestTwitchRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly deps: IngestTwitchRunnerDeps) {}

  async onApplicationBootstrap(): Promise<void> {
    const { connection, consumer, channels, logger } = this.deps;
    await connection.connect();
    await Promise.all(channels.map((channel) => connection.join(channel)));
    logger.info({ channels: channels.length }, 'joined twitch channels');
    await consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.consumer.stop();
    await this.deps.connection.close();
    this.deps.redis.disconnect();
  }
}
