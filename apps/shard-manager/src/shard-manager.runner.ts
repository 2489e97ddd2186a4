import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { StreamKeys } from '@parley/contracts';
import type { ShardManager } from '@parley/sharding';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';

interface ShardManagerRunnerDeps {
  redis: Redis;
  subscriber: Redis;
  pool: pg.Pool;
  manager: ShardManager;
  keys: StreamKeys;
  logger: Logger;
}

/** Runs for leadership once the app is up; on shutdown hands the lease to a standby at once. */
export class ShardManagerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private configChanges?: Redis;

  constructor(private readonly deps: ShardManagerRunnerDeps) {}

  async onApplicationBootstrap(): Promise<void> {
    const { redis, manager, keys, logger } = this.deps;
    // A channel added, enabled or removed through the hub comes with a change notice.
    this.configChanges = redis.duplicate();
    this.configChanges.on('error', (error) => logger.warn({ err: error.message }, 'config-change subscriber error'));
    this.configChanges.on('message', () => manager.requestRebalance());
    await this.configChanges.subscribe(keys.configChanges());
    await manager.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.manager.stop();
    this.configChanges?.disconnect();
    this.deps.subscriber.disconnect();
    await this.deps.pool.end();
    this.deps.redis.disconnect();
  }
}
