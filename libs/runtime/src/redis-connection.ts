import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
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

const CLUSTER_RETRY_DELAY_MS = 300;
const CLUSTER_MAX_RETRIES = 64;

/** Where Redis is: one server (`redis://`, `rediss://`) or the seed nodes of a Redis Cluster (`redis+cluster://`). */
export type RedisTarget = { kind: 'single'; url: string } | { kind: 'cluster'; nodes: ClusterNode[]; username?: string; password?: string; tls: boolean };

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^@/]+?)\/?$/;

/** Reads a REDIS_URL (validated by `redisUrl()` of @parley/config). */
export function parseRedisTarget(url: string): RedisTarget {
  const match = CLUSTER_URL.exec(url);
  if (!match) return { kind: 'single', url };
  const [, scheme, username, password, hosts] = match;
  const nodes = hosts!.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
  });
  return {
    kind: 'cluster',
    nodes,
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    tls: scheme === 'rediss',
  };
}

/**
 * The service's Redis connection, reconnecting with full jitter (its duplicates inherit
 * that) and logging one line when the connection is lost and one when it is back (see
 * `logConnectionOutages`). For one Redis it is auto-pipelined unless `options` says
 * otherwise (the router's is not: see its README). For a `redis+cluster://`
 * URL it is ioredis's Cluster client, which follows MOVED/ASK, refreshes the slot map
 * after a failover and reconnects to the promoted replica; it is not auto-pipelined
 * (ioredis groups auto-pipelines per node and slot, which cost throughput here, see
 * ADR 0015). The Cluster client is typed as `Redis`: it has the same commands, and the
 * libs handle the few client-level differences (`isCluster`: duplicate, CLIENT ID).
 */
export function createRedisConnection(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const target = parseRedisTarget(url);
  const retryStrategy = (attempt: number) => fullJitterDelay(attempt, REDIS_RECONNECT_DEFAULTS);
  if (target.kind === 'cluster') {
    const cluster = new Cluster(target.nodes, {
      clusterRetryStrategy: retryStrategy,
      enableAutoPipelining: false,
      // A command to a master that died is retried against the slot map refreshed after its
      // replica took over: up to 64 × 300 ms, longer than a failover with Redis's default
      // cluster-node-timeout (15 s). Node connections keep ioredis's own policy (no
      // reconnect to a lost node: wait for the new slot map).
      retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
      maxRedirections: CLUSTER_MAX_RETRIES,
      redisOptions: {
        ...(target.username ? { username: target.username } : {}),
        ...(target.password ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
        ...options,
      },
      ...(options.lazyConnect ? { lazyConnect: true } : {}),
    });
    logConnectionOutages(cluster, logger, 'redis');
    return cluster as unknown as Redis;
  }
  const redis = new Redis(target.url, { enableAutoPipelining: true, retryStrategy, ...options });
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
