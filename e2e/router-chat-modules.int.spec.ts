import { setTimeout as sleep } from 'node:timers/promises';
import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommandRepository, CommunityRepository, hubTable } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvent, distRoot, eventually, logDir, readActions, waitUntilDrained } from './support.js';

/**
 * Three built router processes run the chat modules against real Redis and Postgres: a
 * timer posts once for its interval and only after its lines, a recurring reminder once per
 * occurrence, and the spam filters count
 * what they would have done (no platform can deliver moderation actions yet) while the
 * commands go on being answered.
 */
describe('router replicas: chat modules', () => {
  const redis = new Redis(redisUrl());
  const prefix = uniquePrefix('e2e-chat-modules');
  const keys = new StreamKeys(prefix, 4);
  const channel = { id: 'room-modules', name: 'modules' };
  let apps: AppProcess[] = [];
  let database: TestDatabase;
  let reminderStart = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    const communityId = (await new CommunityRepository(database.pool).create({ slug: 'modules', name: 'Modules' })).id;
    await new ChannelRepository(database.pool).create({ communityId, platform: 'twitch', platformChannelId: channel.id, name: channel.name });
    await new CommandRepository(database.pool).create({ communityId, name: 'hello', response: 'hello $(user)' });
    await hubTable(database.pool, 'timers').create(communityId, { name: 'promo', message: 'Follow the stream!', intervalSeconds: 60, minChatLines: 3 });
    await hubTable(database.pool, 'moduleSettings').create(communityId, {
      module: 'filters',
      settings: { enabled: true, dryRun: false, caps: { enabled: true }, words: { enabled: true, banned: ['badword'] } },
    });
    for (let i = 0; i < 3; i++) {
      apps.push(
        await launchApp('router', {
          distRoot,
          logDir,
          env: {
            REDIS_URL: redisUrl(),
            DATABASE_URL: database.url,
            PARLEY_KEY_PREFIX: prefix,
            PARLEY_EVENT_PARTITIONS: '4',
            ROUTER_CONSUMER_NAME: `modules-${i}`,
            ROUTER_TIMER_TICK_MS: '200',
            ROUTER_TIMER_SYNC_MS: '1000',
            ROUTER_TIMER_RECHECK_MS: '1000',
            LOG_LEVEL: 'warn',
          },
        }),
      );
    }
    await waitUntilReady(apps);
    // A recurring reminder starting shortly: every minute, twice (RFC 5545), in every channel.
    const start = new Date(Math.ceil((Date.now() + 15_000) / 1_000) * 1_000);
    reminderStart = start.getTime();
    const dtstart = start.toISOString().replace(/[-:]/gu, '').replace(/\.\d{3}/u, '');
    await hubTable(database.pool, 'reminders').create(communityId, { name: 'hydrate', message: 'Drink some water!', schedule: `DTSTART:${dtstart}\nRRULE:FREQ=MINUTELY;COUNT=2` });
    await redis.publish(keys.configChanges(), '');
  });

  afterAll(async () => {
    await stopApps(apps);
    apps = [];
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  async function say(events: ChatEvent[]): Promise<void> {
    const producer = new StreamProducer(redis);
    for (const event of events) await producer.publish(keys.eventStreamFor('twitch', event.channel.id), event);
    await waitUntilDrained(redis, keys, 'router', 30_000);
  }

  const timerPosts = async () => (await readActions(redis, keys)).filter((action) => action.kind === 'say' && action.text === 'Follow the stream!');

  it('posts a timer exactly once for its interval, and only once M lines were seen', async () => {
    // The schedule holds the timer once the replicas have synced; lines count from then on.
    await eventually(async () => ((await redis.zcard(`${prefix}:{timers}:due`)) === 1 ? true : undefined), 30_000, 'the timer on the schedule');
    await sleep(1_500);
    const due = Number((await redis.zrange(`${prefix}:{timers}:due`, '0', '0', 'WITHSCORES'))[1]);
    await say([chatEvent(channel, 'a', 'first line'), chatEvent(channel, 'b', 'second line')]);

    // Due, but two lines are not three: nothing is posted.
    await sleep(Math.max(0, due - Date.now()) + 3_000);
    expect(await timerPosts()).toHaveLength(0);

    await say([chatEvent(channel, 'c', 'third line')]);
    const posted = await eventually(async () => ((await timerPosts()).length ? await timerPosts() : undefined), 15_000, 'the timer post');
    expect(posted[0]).toMatchObject({ platform: 'twitch', channel, kind: 'say' });

    // Three replicas tick five times a second; more lines arrive: still one post in this interval.
    await say([chatEvent(channel, 'd', 'more'), chatEvent(channel, 'e', 'and more'), chatEvent(channel, 'f', 'lines')]);
    await sleep(10_000);
    expect(await timerPosts()).toHaveLength(1);
  }, 180_000);

  it('posts a recurring reminder once per occurrence across three replicas, and no more when its rule ends', async () => {
    const reminderPosts = async () => (await readActions(redis, keys)).filter((action) => action.kind === 'say' && action.text === 'Drink some water!');
    const occurrences = (posts: ChatAction[]) => posts.map((action) => Number(action.causedBy.split(':').at(-1)));
    await eventually(async () => ((await reminderPosts()).length >= 2 ? true : undefined), reminderStart + 60_000 + 30_000 - Date.now(), 'both occurrences');
    // Three replicas tick five times a second: a few more seconds bring no third post.
    await sleep(5_000);
    expect(occurrences(await reminderPosts())).toEqual([reminderStart, reminderStart + 60_000]);
  }, 180_000);

  it('filters count what they would do where the platform cannot act, and commands are still answered', async () => {
    await redis.del(...keys.allActionPartitions('twitch'));
    await say([chatEvent(channel, 'loud', '!HELLO EVERYONE IN THIS CHAT'), chatEvent(channel, 'rude', 'what a badword')]);
    const actions = await readActions(redis, keys);
    expect(actions.map((action) => action.kind)).toEqual(['reply']);
    expect(actions[0]!.text).toBe('hello loud');
    const metrics = (await Promise.all(apps.map(async (app) => (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text()))).join('\n');
    // Label order and extra (default) labels vary: match the series by its labels, sum over replicas.
    const hits = (filter: string) =>
      metrics
        .split('\n')
        .filter((row) => row.startsWith('parley_router_filter_hits_total{') && row.includes(`filter="${filter}"`) && row.includes('action="delete"') && row.includes('mode="unsupported"'))
        .reduce((sum, row) => sum + Number(row.split(' ').at(-1)), 0);
    expect(hits('caps')).toBe(1);
    expect(hits('words')).toBe(1);
  });
});
