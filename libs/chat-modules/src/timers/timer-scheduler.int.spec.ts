import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, ChatModuleRepository, CommunityRepository, hubTable } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatModuleKeys } from '../keys.js';
import { ChatLines } from './chat-lines.js';
import { TimerScheduler, type TimerPublisher } from './timer-scheduler.js';

const MINUTE = 60_000;

/**
 * Three schedulers stand for three router replicas: each has its own Redis connection and
 * they share one clock, which the test moves a second at a time, stepping every replica
 * at every second (in a different order each time) as their tick intervals would.
 */
describe('TimerScheduler (real Redis and Postgres, three replicas)', () => {
  const connections: Redis[] = [];
  // One prefix for the file (a sub-prefix per test): cleaning up scans the shared Redis once.
  const filePrefix = uniquePrefix('timers');
  let testCount = 0;
  let database: TestDatabase;
  let communityId: string;
  let alpha: { id: string; platformChannelId: string };
  let beta: { id: string; platformChannelId: string };
  let keys: StreamKeys;
  let moduleKeys: ChatModuleKeys;
  let clock: number;
  let replicas: TimerScheduler[];
  let redis: Redis;

  const connect = () => {
    const connection = new Redis(redisUrl());
    connections.push(connection);
    return connection;
  };

  function replica(publisher?: (producer: StreamProducer) => TimerPublisher): TimerScheduler {
    const connection = connect();
    const producer = new StreamProducer(connection);
    const scheduler = new TimerScheduler(
      connection,
      moduleKeys,
      new ChatModuleRepository(database.pool),
      new ChatLines(connection, moduleKeys, {}, () => clock),
      publisher ? publisher(producer) : producer,
      { actionsStream: (platform, channelId) => keys.actionsFor(platform, channelId), leaseMs: 20_000, recheckMs: 5_000, spacingMs: 30_000, syncMs: 3_600_000 },
      () => clock,
    );
    scheduler.on('failed', (error) => {
      throw error;
    });
    return scheduler;
  }

  async function line(channel: { platformChannelId: string }, count = 1): Promise<void> {
    const lines = new ChatLines(redis, moduleKeys, {}, () => clock);
    lines.watch([alpha, beta].map((watched) => ({ platform: 'twitch' as const, platformChannelId: watched.platformChannelId })));
    for (let i = 0; i < count; i++) await lines.count(chatLine(channel.platformChannelId));
  }

  /** Moves the clock `seconds` seconds, stepping every replica each second. */
  async function advance(seconds: number, each?: (second: number) => Promise<void>): Promise<void> {
    for (let second = 0; second < seconds; second++) {
      clock += 1_000;
      await each?.(second);
      const order = second % 2 ? [...replicas].reverse() : replicas;
      await Promise.all(order.map((scheduler) => scheduler.step()));
    }
  }

  async function posts(): Promise<ChatAction[]> {
    const entries = (await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.xrange(stream, '-', '+')))).flat();
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction);
  }

  async function createTimer(name: string, fields: { intervalSeconds: number; minChatLines: number; channelIds?: string[] }) {
    return hubTable(database.pool, 'timers').create(communityId, { name, message: `${name} says hi`, ...fields });
  }

  beforeAll(async () => {
    redis = connect();
    database = await createTestDatabase();
    communityId = (await new CommunityRepository(database.pool).create({ slug: 'timers', name: 'Timers' })).id;
    const channels = new ChannelRepository(database.pool);
    alpha = await channels.create({ communityId, platform: 'twitch', platformChannelId: 'room-alpha', name: 'alpha' });
    beta = await channels.create({ communityId, platform: 'twitch', platformChannelId: 'room-beta', name: 'beta' });
  });

  beforeEach(async () => {
    const prefix = `${filePrefix}:${++testCount}`;
    keys = new StreamKeys(prefix, 4);
    moduleKeys = new ChatModuleKeys(prefix);
    clock = Date.parse('2026-12-01T10:00:00Z');
    await database.pool.query('DELETE FROM timers');
  });

  afterEach(async () => {
    await Promise.all((replicas ?? []).map((scheduler) => scheduler.stop()));
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, filePrefix);
    for (const connection of connections) connection.disconnect();
    await database?.drop();
  });

  it('fires exactly once per interval across three replicas, and only after M lines', async () => {
    await createTimer('promo', { intervalSeconds: 60, minChatLines: 5, channelIds: [alpha.id] });
    replicas = [replica(), replica(), replica()];
    // 10 lines a minute, one every 6 s: every interval has enough.
    await advance(10 * 60, async (second) => {
      if (second % 6 === 0) await line(alpha);
    });
    const fired = await posts();
    // Due at +60 s, then one interval after each firing: 10 minutes hold 9 or 10 firings.
    expect(fired.length).toBeGreaterThanOrEqual(9);
    expect(fired.length).toBeLessThanOrEqual(10);
    expect(new Set(fired.map((action) => action.causedBy)).size).toBe(fired.length);
    expect(fired.every((action) => action.kind === 'say' && action.text === 'promo says hi' && action.channel.id === 'room-alpha')).toBe(true);
  });

  it('waits for M lines: no firing in a quiet chat, a firing as soon as the Mth line arrives', async () => {
    await createTimer('quiet', { intervalSeconds: 60, minChatLines: 5, channelIds: [alpha.id] });
    replicas = [replica(), replica(), replica()];
    // Lines count from the timer's first sync on.
    await advance(1);
    await line(alpha, 4);
    await advance(180);
    expect(await posts()).toHaveLength(0);
    await line(alpha);
    // The timer is looked at again within recheckMs (5 s).
    await advance(6);
    expect(await posts()).toHaveLength(1);
    // The count starts over: four new lines are not enough for the next interval.
    await line(alpha, 4);
    await advance(120);
    expect(await posts()).toHaveLength(1);
  });

  it("counts lines per channel: a busy channel never triggers the timer in a silent one", async () => {
    await createTimer('both', { intervalSeconds: 60, minChatLines: 3 });
    replicas = [replica(), replica(), replica()];
    await advance(5 * 60, async (second) => {
      if (second % 10 === 0) await line(beta);
    });
    const fired = await posts();
    expect(fired.length).toBeGreaterThanOrEqual(4);
    expect(new Set(fired.map((action) => action.channel.id))).toEqual(new Set(['room-beta']));
  });

  it('does not fire when the channel is not live (no viewer line within the live window)', async () => {
    await createTimer('nobody', { intervalSeconds: 60, minChatLines: 0, channelIds: [alpha.id] });
    replicas = [replica(), replica(), replica()];
    await line(alpha);
    // Live window 10 min: after it passes, no more firings.
    await advance(20 * 60);
    const fired = await posts();
    expect(fired.length).toBeGreaterThanOrEqual(8);
    expect(fired.length).toBeLessThanOrEqual(10);
  });

  it('spreads timers of one channel: two timers due together fire at least the spacing apart', async () => {
    await createTimer('first', { intervalSeconds: 120, minChatLines: 0, channelIds: [alpha.id] });
    await createTimer('second', { intervalSeconds: 120, minChatLines: 0, channelIds: [alpha.id] });
    replicas = [replica(), replica(), replica()];
    const firedAt: number[] = [];
    let seen = 0;
    await advance(8 * 60, async () => {
      await line(alpha);
      const count = (await posts()).length;
      for (; seen < count; seen++) firedAt.push(clock);
    });
    expect(firedAt.length).toBeGreaterThanOrEqual(6);
    const gaps = firedAt.slice(1).map((at, i) => at - firedAt[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(30_000);
  });

  it('a replica that dies after claiming loses no firing and doubles none; the lease moves it to another', async () => {
    await createTimer('crash', { intervalSeconds: 60, minChatLines: 0, channelIds: [alpha.id] });
    // The first replica publishes and dies before completing; the second dies before publishing.
    const diesAfterPublish = replica((producer) => ({
      publishOnce: async (...args) => {
        await producer.publishOnce(...args);
        throw new Error('killed after publishing');
      },
    }));
    const diesBeforePublish = replica(() => ({
      publishOnce: async () => {
        throw new Error('killed before publishing');
      },
    }));
    for (const dying of [diesAfterPublish, diesBeforePublish]) dying.removeAllListeners('failed').on('failed', () => undefined);
    await line(alpha);

    replicas = [diesAfterPublish];
    await advance(61);
    expect(await posts()).toHaveLength(1);
    // The rescuer must wait out the lease (20 s), then finds the firing already posted.
    const rescuer = replica();
    replicas = [rescuer];
    const outcomes: boolean[] = [];
    rescuer.on('fired', ({ duplicate }) => outcomes.push(duplicate));
    await advance(19);
    expect(outcomes).toEqual([]);
    await advance(2);
    expect(outcomes).toEqual([true]);
    expect(await posts()).toHaveLength(1);

    // Next interval: the claimer dies before posting; the rescuer posts once after the lease.
    await line(alpha);
    replicas = [diesBeforePublish];
    await advance(61);
    expect(await posts()).toHaveLength(1);
    replicas = [rescuer];
    await advance(21);
    expect(outcomes).toEqual([true, false]);
    expect(await posts()).toHaveLength(2);
  });

  it('keeps its schedule across a restart of every replica: an overdue timer fires once, not once per missed interval', async () => {
    await createTimer('restart', { intervalSeconds: 60, minChatLines: 0, channelIds: [alpha.id] });
    replicas = [replica(), replica(), replica()];
    await line(alpha);
    await advance(61);
    expect(await posts()).toHaveLength(1);
    await Promise.all(replicas.map((scheduler) => scheduler.stop()));

    // Down for five intervals; chat goes on.
    clock += 5 * MINUTE;
    await line(alpha);
    replicas = [replica(), replica(), replica()];
    await advance(2);
    expect(await posts()).toHaveLength(2);
    await advance(58);
    expect(await posts()).toHaveLength(2);
    await advance(3);
    expect(await posts()).toHaveLength(3);
  });

  it('drops a deleted timer from the schedule at the next sync', async () => {
    await createTimer('gone', { intervalSeconds: 60, minChatLines: 0, channelIds: [alpha.id] });
    replicas = [replica()];
    await replicas[0]!.step();
    expect(await redis.zrange(moduleKeys.timerDue(), '0', '-1')).toHaveLength(1);
    await hubTable(database.pool, 'timers').delete(communityId, 'gone');
    replicas[0]!.refresh();
    await replicas[0]!.step();
    expect(await redis.zrange(moduleKeys.timerDue(), '0', '-1')).toEqual([]);
  });
});

function chatLine(platformChannelId: string): ChatEvent {
  return {
    v: 1,
    id: `twitch:${Math.random().toString(36).slice(2)}`,
    platform: 'twitch',
    channel: { id: platformChannelId, name: platformChannelId },
    author: { id: 'viewer', name: 'viewer', displayName: 'viewer', roles: ['everyone'], isBot: false },
    text: 'hello',
    kind: 'message',
    sentAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
  };
}
