import { PermanentError, StreamConsumer, StreamProducer } from '@parley/bus';
import { startRedisCluster, type OwnRedisCluster } from '@parley/bus/testing';
import { CommandLedger } from '@parley/commands';
import { CommandKeys, StreamKeys, type Platform } from '@parley/contracts';
import { createLogger } from '@parley/observability';
import { LeaseManager } from '@parley/sharding';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from './redis-connection.js';

const logger = createLogger({ service: 'test', level: 'silent' });
let cluster: OwnRedisCluster;
let redis: Redis;

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = createRedisConnection(cluster.url, logger);
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.destroy();
});

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Parley on a real Redis Cluster (3 masters, 3 replicas, started by the test)', () => {
  it('is ioredis’s Cluster client for a redis+cluster:// URL, and the bus partitions spread over the masters', async () => {
    expect(redis.isCluster).toBe(true);
    const keys = new StreamKeys('cluster-spread', 4);
    const masters = new Set(await Promise.all(keys.allEventPartitions().map(async (stream) => (await cluster.masterOf(stream)).port)));
    expect(masters.size).toBeGreaterThan(1);
  });

  it('publishes once, reads every partition, and dead-letters in the partition’s slot, each entry exactly once', async () => {
    const keys = new StreamKeys('cluster-bus', 4);
    const producer = new StreamProducer(redis);
    const channels = Array.from({ length: 16 }, (_, i) => `room-${i}`);
    const platform: Platform = 'twitch';
    const handled: string[] = [];
    const deadLettered: string[] = [];
    const consumer = new StreamConsumer(redis, {
      streams: keys.allEventPartitions(),
      group: 'router',
      consumer: 'c1',
      deadLetterStream: (stream) => keys.deadLetterFor(stream),
      liveness: { key: (stream) => keys.consumers('router', stream), ttlMs: 3_000 },
      blockMs: 200,
      handler: async (entry) => {
        const { id, poison } = entry.payload as { id: string; poison?: boolean };
        if (poison) throw new PermanentError('poison');
        handled.push(id);
        // publish-once of the answer: mark and actions partition in one slot.
        const channel = (entry.payload as { channel: string }).channel;
        await producer.publishOnce(keys.handled(platform, channel, id), 60, [{ stream: keys.actionsFor(platform, channel), payload: { answer: id } }]);
      },
    });
    consumer.on('deadLettered', ({ id }) => deadLettered.push(id));
    await consumer.start();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) {
        const channel = channels[i % channels.length]!;
        const id = `e${i}`;
        ids.push(id);
        const fresh = await producer.publishOnce(keys.seen(platform, channel, id), 60, [
          { stream: keys.eventStreamFor(platform, channel), payload: { id, channel, poison: i % 50 === 0 } },
        ]);
        expect(fresh).toBe(true);
        // A redelivered inbound frame is not published twice.
        expect(await producer.publishOnce(keys.seen(platform, channel, id), 60, [{ stream: keys.eventStreamFor(platform, channel), payload: { id, channel } }])).toBe(false);
      }
      await eventually(async () => (handled.length + deadLettered.length >= 200 ? true : undefined), 30_000);
      expect(new Set(handled).size).toBe(handled.length);
      expect(handled).toHaveLength(196);
      expect(deadLettered).toHaveLength(4);
      const dead = (await Promise.all(keys.allDeadLetterStreams().map((stream) => redis.xlen(stream)))).reduce((a, b) => a + b, 0);
      expect(dead).toBe(4);
      const actions = (await Promise.all(keys.allActionPartitions(platform).map((stream) => redis.xlen(stream)))).reduce((a, b) => a + b, 0);
      expect(actions).toBe(196);
      const stats = await consumer.stats();
      expect(stats.every((s) => s.pending === 0)).toBe(true);
    } finally {
      await consumer.stop();
    }
  }, 60_000);

  it('charges a command’s cooldowns and counter, and takes a lease with its fence, in one slot each', async () => {
    const ledger = new CommandLedger(redis, { keyPrefix: 'cluster-cmd', chargeTtlSeconds: 60 });
    const request = { eventId: 'e1', communityId: 'c1', command: 'ping', userId: 'u1', globalCooldownMs: 0, userCooldownMs: 60_000, bypassCooldown: false, count: true };
    expect(await ledger.charge(request)).toEqual({ charged: true, count: 1 });
    expect(await ledger.charge(request)).toEqual({ charged: true, count: 1 });
    expect(await ledger.charge({ ...request, eventId: 'e2' })).toMatchObject({ charged: false, scope: 'user' });
    expect(await redis.get(new CommandKeys('cluster-cmd').count('c1', 'ping'))).toBe('1');

    const leases = new LeaseManager(redis, { keyPrefix: 'cluster-lease', holder: 'pod-a', ttlMs: 5_000 });
    const first = await leases.acquire('twitch:room-1');
    expect(first.acquired).toBe(true);
    expect((await new LeaseManager(redis, { keyPrefix: 'cluster-lease', holder: 'pod-b', ttlMs: 5_000 }).acquire('twitch:room-1')).acquired).toBe(false);
  });
});
