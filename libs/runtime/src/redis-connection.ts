import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * ioredis reconnects after min(50 ms × attempt, 2 s), the same instant in every pod;
 * full jitter under the same 2 s cap spreads a deployment's reconnects after an outage.
 */
export const REDIS_RECONNECT_DEFAULTS: BackoffOptions = { baseMs: 100, maxMs: 2_000 };

/** The events of an ioredis client (or a duplicate of it) that say its connection came or went. */
export interface ConnectionEvents {
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The service's Redis connection: auto-pipelined, reconnecting with full jitter (its
 * duplicates inherit that), and logging one line when the connection is lost and one
 * when it is back (see `logConnectionOutages`).
 */
export function createRedisConnection(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    retryStrategy: (attempt) => fullJitterDelay(attempt, REDIS_RECONNECT_DEFAULTS),
    ...options,
  });
  logConnectionOutages(redis, logger, 'redis');
  return redis;
}

/** Another connection with the same settings (a subscriber, a blocking reader), its outages logged the same way. */
export function duplicateConnection(redis: Redis, logger: Logger, connection: string): Redis {
  const duplicate = redis.duplicate();
  logConnectionOutages(duplicate, logger, connection);
  return duplicate;
}

/**
 * ioredis emits 'error' on every failed reconnect attempt: logged as is, an outage of a
 * minute is a screenful of identical lines. This logs the loss once (warn) and the
 * recovery once (info); attempts go to debug. Before the first connection nothing is
 * "lost": a service that starts without Redis says so through its ServiceStartup.
 */
export function logConnectionOutages(client: ConnectionEvents, logger: Logger, connection: string): void {
  let connected = false;
  let lostAt: number | undefined;
  client.on('ready', () => {
    if (lostAt !== undefined) logger.info({ connection, unreachableMs: Date.now() - lostAt }, `${connection} connection is back`);
    connected = true;
    lostAt = undefined;
  });
  client.on('error', (error) => {
    if (connected && lostAt === undefined) {
      lostAt = Date.now();
      logger.warn({ connection, err: error.message }, `${connection} connection lost (${error.message}): reconnecting`);
    } else {
      logger.debug({ connection, err: error.message }, `${connection} connection error`);
    }
  });
}
