import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { StreamKeys } from '@parley/contracts';
import { duplicateConnection } from '@parley/runtime';
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

/** Runs for leadership (a start-up step: Redis and Postgres answer); on shutdown hands the lease to a standby at once. */
export class ShardManagerRunner implements BeforeApplicationShutdown {
  /** A channel added, enabled or removed through the hub comes with a change notice. */
  private readonly configChanges: Redis;

  constructor(private readonly deps: ShardManagerRunnerDeps) {
    const { redis, manager, logger } = deps;
    this.configChanges = duplicateConnection(redis, logger, 'config-change subscriber');
    this.configChanges.on('message', () => manager.requestRebalance());
  }

  async start(): Promise<void> {
    const { manager, keys } = this.deps;
    await this.configChanges.subscribe(keys.configChanges());
    await manager.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deps.manager.stop();
    this.configChanges.disconnect();
    this.deps.subscriber.disconnect();
    await this.deps.pool.end();
    this.deps.redis.disconnect();
  }
}
