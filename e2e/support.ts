import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ChatAction, ChatEvent, Role, StreamKeys } from '@parley/contracts';
import { deleteKeysWithPrefix, redisUrl, startRedisCluster, type OwnClusterOptions, type OwnRedisCluster } from '@parley/bus/testing';
import { createLogger } from '@parley/observability';
import { createRedisConnection } from '@parley/runtime';
import type { Redis } from 'ioredis';

/** The repository root; end-to-end tests run the built apps under `dist/`. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const distRoot = fileURLToPath(new URL('../dist', import.meta.url));
export const logDir = fileURLToPath(new URL('../.parley/test-logs', import.meta.url));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}


/** A v1 chat event as ingest-twitch would publish it, received now. */
export function chatEvent(channel: { id: string; name: string }, viewer: string, text: string, roles: Role[] = ['everyone']): ChatEvent {
  const now = new Date().toISOString();
  return {
    v: 1,
    id: `twitch:${randomUUID()}`,
    platform: 'twitch',
    channel,
    author: { id: `id-${viewer}`, name: viewer, displayName: viewer, roles, isBot: false },
    text,
    kind: 'message',
    sentAt: now,
    receivedAt: now,
  };
}

/** Every action on the platform's actions partitions, decoded, in the order of their ids (Redis's clock). */
export async function readActions(redis: Redis, keys: StreamKeys, platform: 'twitch' = 'twitch'): Promise<ChatAction[]> {
  const entries = (await Promise.all(keys.allActionPartitions(platform).map((stream) => redis.xrange(stream, '-', '+')))).flat();
  const order = ([id]: [string, string[]]) => id.split('-').map(Number) as [number, number];
  entries.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction);
}

/** Resolves when the group has acknowledged everything on every event partition. */
export async function waitUntilDrained(redis: Redis, keys: StreamKeys, group: string, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    for (const stream of keys.allEventPartitions()) {
      const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as Array<Array<string | number>>;
      const info = groups.map((flat) => Object.fromEntries(flat.flatMap((value, i) => (i % 2 ? [] : [[value, flat[i + 1]]])))).find((g) => g.name === group);
      if (!info || Number(info.pending) > 0 || Number(info.lag ?? 0) > 0) return undefined;
    }
    return true;
  }, timeoutMs, `group ${group} to acknowledge every event`);
}

/**
 * A TCP proxy to the database at `target`; `freeze()` makes it a black hole: bytes already
 * on the way and every new connection are held, never answered, so queries hang.
 */
export async function freezableProxy(target: URL): Promise<{ url: string; freeze(): void; close(): void }> {
  let frozen = false;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    sockets.push(client);
    if (frozen) return;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    upstream.on('error', () => undefined);
    sockets.push(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: url.toString(),
    freeze() {
      frozen = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** The Redis deployments the Redis-facing suites run against: the shared single Redis, and a Redis Cluster of the test file's own. */
export const REDIS_KINDS = ['single', 'cluster'] as const;
export type RedisKind = (typeof REDIS_KINDS)[number];

/** A suite's Redis: the URL its apps get, a client of the test's, and how to clean up. */
export interface TestRedis {
  kind: RedisKind;
  url: string;
  redis: Redis;
  /** The cluster's processes (to kill a master), when `kind` is `cluster`. */
  cluster: OwnRedisCluster | undefined;
  /** Deletes the keys of `prefixes` (single Redis, shared) or destroys the cluster. */
  close(prefixes: string[]): Promise<void>;
}

/**
 * The shared Redis (`redisUrl()`), or a fresh local Redis Cluster (3 masters, 3 replicas;
 * `startRedisCluster`) that only this suite uses; the client is made by the services' own
 * factory, so a `redis+cluster://` URL gets ioredis's Cluster client.
 */
export async function useRedis(kind: RedisKind, clusterOptions: Partial<OwnClusterOptions> = {}): Promise<TestRedis> {
  const logger = createLogger({ service: 'e2e', level: 'silent' });
  if (kind === 'single') {
    const url = redisUrl();
    const redis = createRedisConnection(url, logger);
    return {
      kind,
      url,
      redis,
      cluster: undefined,
      close: async (prefixes) => {
        for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
        redis.disconnect();
      },
    };
  }
  const cluster = await startRedisCluster(clusterOptions);
  const redis = createRedisConnection(cluster.url, logger);
  return {
    kind,
    url: cluster.url,
    redis,
    cluster,
    close: async () => {
      redis.disconnect();
      await cluster.destroy();
    },
  };
}

/** Every chat event published, on every event partition. */
export async function publishedEvents(redis: Redis, keys: StreamKeys): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for (const stream of keys.allEventPartitions()) {
    for (const [, fields] of await redis.xrange(stream, '-', '+')) events.push(JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent);
  }
  return events;
}

/** Event ids on every event partition, with how often each was published. */
export async function publishedEventCounts(redis: Redis, keys: StreamKeys): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { id } of await publishedEvents(redis, keys)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
