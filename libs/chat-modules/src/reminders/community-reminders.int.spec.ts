import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction } from '@parley/contracts';
import { ChannelRepository, ChatModuleRepository, CommunityRepository, hubTable } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatModuleKeys } from '../keys.js';
import type { TimerPublisher } from '../timers/timer-scheduler.js';
import { CommunityReminderScheduler } from './community-reminders.js';
import { InvalidRecurrenceError, Recurrence } from './recurrence.js';

/**
 * Three schedulers stand for three router replicas (own Redis connections, one shared
 * clock the test moves a second at a time, stepping every replica each second in a
 * changing order), against real Redis and PostgreSQL.
 */
describe('CommunityReminderScheduler (real Redis and Postgres, three replicas)', () => {
  const connections: Redis[] = [];
  const filePrefix = uniquePrefix('community-reminders');
  let testCount = 0;
  let database: TestDatabase;
  let communityId: string;
  let alpha: { id: string };
  let keys: StreamKeys;
  let moduleKeys: ChatModuleKeys;
  let clock: number;
  let replicas: CommunityReminderScheduler[];
  let redis: Redis;

  const connect = () => {
    const connection = new Redis(redisUrl());
    connections.push(connection);
    return connection;
  };

  function replica(publisher?: (producer: StreamProducer) => TimerPublisher): CommunityReminderScheduler {
    const connection = connect();
    const producer = new StreamProducer(connection);
    const scheduler = new CommunityReminderScheduler(
      connection,
      moduleKeys,
      new ChatModuleRepository(database.pool),
      publisher ? publisher(producer) : producer,
      { actionsStream: (platform, channelId) => keys.actionsFor(platform, channelId), leaseMs: 20_000, syncMs: 3_600_000 },
      () => clock,
    );
    return scheduler;
  }

  async function advance(seconds: number): Promise<void> {
    for (let second = 0; second < seconds; second++) {
      clock += 1_000;
      const order = second % 2 ? [...replicas].reverse() : replicas;
      await Promise.all(order.map((scheduler) => scheduler.step()));
    }
  }

  async function posts(): Promise<ChatAction[]> {
    const entries = (await Promise.all(keys.allActionPartitions('twitch').map((stream) => redis.xrange(stream, '-', '+')))).flat();
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatAction);
  }

  /** The occurrence (ms) a post was for, from its cause `reminder:<member>:<occurrence>`. */
  const occurrenceOf = (action: ChatAction) => new Date(Number(action.causedBy.split(':').at(-1))).toISOString();

  async function createReminder(name: string, schedule: string) {
    return hubTable(database.pool, 'reminders').create(communityId, { name, message: `${name}: hydrate`, schedule, channelIds: [alpha.id] });
  }

  beforeAll(async () => {
    redis = connect();
    database = await createTestDatabase();
    communityId = (await new CommunityRepository(database.pool).create({ slug: 'reminders', name: 'Reminders' })).id;
    const channels = new ChannelRepository(database.pool);
    alpha = await channels.create({ communityId, platform: 'twitch', platformChannelId: 'room-alpha', name: 'alpha' });
    await channels.create({ communityId, platform: 'twitch', platformChannelId: 'room-beta', name: 'beta' });
  });

  beforeEach(async () => {
    const prefix = `${filePrefix}:${++testCount}`;
    keys = new StreamKeys(prefix, 4);
    moduleKeys = new ChatModuleKeys(prefix);
    clock = Date.parse('2026-12-01T10:00:00Z');
    await database.pool.query('DELETE FROM reminders');
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, filePrefix);
    for (const connection of connections) connection.disconnect();
    await database?.drop();
  });

  it('a recurring reminder posts once per occurrence across three replicas, and stops when the rule ends', async () => {
    await createReminder('water', 'DTSTART:20261201T100030Z\nRRULE:FREQ=MINUTELY;INTERVAL=2;COUNT=3');
    replicas = [replica(), replica(), replica()];
    await advance(10 * 60);
    const posted = await posts();
    expect(posted.map(occurrenceOf)).toEqual(['2026-12-01T10:00:30.000Z', '2026-12-01T10:02:30.000Z', '2026-12-01T10:04:30.000Z']);
    expect(posted.every((action) => action.channel.id === 'room-alpha' && action.text === 'water: hydrate')).toBe(true);
    // The rule has ended: nothing left on the schedule.
    expect(await redis.zcard(moduleKeys.communityReminderDue())).toBe(0);
  });

  it('a one-off reminder posts once; a TZID schedule follows that zone', async () => {
    await createReminder('raid', 'DTSTART:20261201T100500Z\nRRULE:FREQ=DAILY;COUNT=1');
    // 11:30 in Berlin is 10:30 UTC in December.
    await createReminder('berlin', 'DTSTART;TZID=Europe/Berlin:20261201T113000\nRRULE:FREQ=DAILY');
    replicas = [replica(), replica(), replica()];
    await advance(40 * 60);
    const posted = await posts();
    expect(posted.map((action) => [action.text, occurrenceOf(action)])).toEqual([
      ['raid: hydrate', '2026-12-01T10:05:00.000Z'],
      ['berlin: hydrate', '2026-12-01T10:30:00.000Z'],
    ]);
  });

  it('a replica that dies after claiming an occurrence hands it over: posted once, not lost', async () => {
    await createReminder('stretch', 'DTSTART:20261201T100010Z\nRRULE:FREQ=HOURLY');
    let crashed = 0;
    // This replica claims and then dies before its post reaches Redis.
    const dying = replica(() => ({
      publishOnce: async () => {
        crashed++;
        throw new Error('killed');
      },
    }));
    dying.on('failed', () => undefined);
    replicas = [dying];
    await advance(15);
    expect(crashed).toBe(1);
    expect(await posts()).toHaveLength(0);
    // The survivors take over once the lease (20 s) runs out, and post the same occurrence once.
    replicas = [replica(), replica()];
    await advance(30);
    const posted = await posts();
    expect(posted.map(occurrenceOf)).toEqual(['2026-12-01T10:00:10.000Z']);
  });

  it('an occurrence found far too late (every router down) is skipped, the next one posts', async () => {
    await createReminder('late', 'DTSTART:20261201T100010Z\nRRULE:FREQ=HOURLY');
    replicas = [replica(), replica(), replica()];
    await advance(1);
    clock += 30 * 60_000;
    await advance(1);
    expect(await posts()).toHaveLength(0);
    clock = Date.parse('2026-12-01T11:00:05Z');
    await advance(10);
    expect((await posts()).map(occurrenceOf)).toEqual(['2026-12-01T11:00:10.000Z']);
  });

  it('renders its message like a command response: counters and the channel', async () => {
    await database.pool.query('DELETE FROM counters');
    await hubTable(database.pool, 'counters').create(communityId, { name: 'deaths', value: 7 });
    await hubTable(database.pool, 'reminders').create(communityId, {
      name: 'tally',
      message: '$(channel) has died $(counter deaths) times; $(counter nosuch)',
      schedule: 'DTSTART:20261201T100010Z\nRRULE:FREQ=DAILY;COUNT=1',
      channelIds: [alpha.id],
    });
    replicas = [replica(), replica(), replica()];
    await advance(15);
    expect((await posts()).map((action) => action.text)).toEqual(['alpha has died 7 times; [no counter nosuch]']);
  });

  it('refuses schedules it cannot follow or that would flood chat', () => {
    expect(() => Recurrence.parse('RRULE:FREQ=DAILY')).toThrow(InvalidRecurrenceError);
    expect(() => Recurrence.parse('DTSTART:20261201T100000Z\nRRULE:FREQ=SECONDLY;INTERVAL=10')).toThrow(/less than a minute/u);
    expect(() => Recurrence.parse('DTSTART:20261201T100000Z\nRRULE:FREQ=BOGUS')).toThrow(InvalidRecurrenceError);
    expect(Recurrence.parse('DTSTART:20261201T100000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO').nextAfter(Date.parse('2026-12-01T10:00:00Z'))).toBe(Date.parse('2026-12-07T10:00:00Z'));
  });
});
