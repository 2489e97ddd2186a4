import { setTimeout as sleep } from 'node:timers/promises';
import { uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { ChannelRepository, CommandRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, stopProcess, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchTmiFake } from '@parley/platform-fakes';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_KINDS, distRoot, eventually, freezableProxy, logDir, useRedis, type TestRedis } from './support.js';

const CHANNEL = 'e2echannel';
const BOT = 'parleybot';

describe.each(REDIS_KINDS)('a viewer types a command in Twitch chat and the bot answers (%s Redis)', (kind) => {
  const prefix = uniquePrefix('e2e-chat');
  const keys = new StreamKeys(prefix, 2);
  const fake = new TwitchTmiFake();
  let target: TestRedis;
  let redis: Redis;
  const apps: AppProcess[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let communityId: string;

  beforeAll(async () => {
    target = await useRedis(kind);
    redis = target.redis;
    database = await createTestDatabase();
    const { ircUrl } = await fake.start();
    const community = await new CommunityRepository(database.pool).create({ slug: 'e2e', name: 'E2E' });
    communityId = community.id;
    await new ChannelRepository(database.pool).create({
      communityId: community.id,
      platform: 'twitch',
      platformChannelId: fake.channelId(CHANNEL),
      name: CHANNEL,
    });
    await new CommandRepository(database.pool).create({ communityId: community.id, name: 'hello', response: 'Hello $(user)!' });
    env = {
      REDIS_URL: target.url,
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '2',
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: BOT,
      TWITCH_OAUTH_TOKEN: 'e2e-token',
      TWITCH_CHANNELS: CHANNEL,
      ROUTER_CLAIM_IDLE_MS: '1000',
      LOG_LEVEL: 'info',
    };
    apps.push(await launchApp('ingest-twitch', { distRoot, logDir, env }));
    apps.push(await launchApp('router', { distRoot, logDir, env: { ...env, ROUTER_CONSUMER_NAME: 'router-main' } }));
    await waitUntilReady(apps);
  });

  afterAll(async () => {
    await stopApps(apps);
    await fake.stop();
    await target?.close([prefix]);
    await database?.drop();
  });

  const botLinesReplyingTo = (messageId: string) =>
    fake.sentMessages(CHANNEL).filter((line) => line.login === BOT && line.replyParentMsgId === messageId);

  it('answers !ping in the channel within one second', async () => {
    const started = Date.now();
    const id = fake.viewerSay(CHANNEL, { login: 'alice', text: '!ping' });
    const [answer] = await eventually(() => nonEmpty(botLinesReplyingTo(id)), 1_000, 'the answer to !ping');
    expect(answer?.text).toBe('Pong!');
    expect(answer?.delivered).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('counts what it answered in the community stats the hub shows', async () => {
    // The router adds counts up in memory and writes them once a second.
    const stats = await eventually(async () => {
      const hash = await redis.hgetall(keys.key('stats', communityId));
      return Number(hash.answers ?? 0) >= 1 ? hash : undefined;
    }, 5_000, 'the answers counted');
    expect(Number(stats.commandsRun)).toBeGreaterThanOrEqual(Number(stats.answers));
    expect(Object.keys(stats).some((field) => field.startsWith('lastSeen:'))).toBe(true);
  });

  it('answers a custom command stored in PostgreSQL', async () => {
    const id = fake.viewerSay(CHANNEL, { login: 'bob', displayName: 'Bob', text: '!hello' });
    const [answer] = await eventually(() => nonEmpty(botLinesReplyingTo(id)), 1_000, 'the answer to !hello');
    expect(answer?.text).toBe('Hello Bob!');
  });

  it('dead-letters a malformed entry with its reason and goes on answering', async () => {
    const garbageId = await redis.xadd(keys.eventPartition(0), '*', 'payload', '{not json');
    const invalidId = await redis.xadd(keys.eventPartition(1), '*', 'payload', JSON.stringify({ v: 9, id: 'x' }));
    const dead = await eventually(async () => {
      const entries = (await Promise.all(keys.allDeadLetterStreams().map((stream) => redis.xrange(stream, '-', '+')))).flat();
      const deadEntries = entries.map(([, fields]) => fieldsOf(fields));
      // Entry ids are unique per stream only: match on both.
      const both = [
        [keys.eventPartition(0), garbageId],
        [keys.eventPartition(1), invalidId],
      ].map(([stream, id]) => deadEntries.find((entry) => entry.stream === stream && entry.id === id));
      return both.every(Boolean) ? both : undefined;
    }, 5_000, 'both entries on the dead-letter stream');
    expect(dead[0]?.reason).toMatch(/malformed/);
    expect(dead[1]?.reason).toMatch(/unsupported version 9/);

    const id = fake.viewerSay(CHANNEL, { login: 'carol', text: '!ping' });
    await eventually(() => nonEmpty(botLinesReplyingTo(id)), 1_000, 'an answer after the poison entries');
  });

  it('a router killed between reading and acknowledging loses nothing: another one answers, once', async () => {
    // This router reaches PostgreSQL through a proxy that then stops answering: it reads
    // the event, then hangs loading configuration, with the event unacknowledged. (It
    // must reach PostgreSQL once to start at all.)
    const proxy = await freezableProxy(new URL(database.url));
    const stuck = await launchApp('router', {
      distRoot,
      logDir,
      env: { ...env, DATABASE_URL: proxy.url, ROUTER_CONSUMER_NAME: 'router-stuck', PARLEY_MIGRATE_ON_START: 'false' },
    });
    try {
      await waitUntilReady([stuck]);
      proxy.freeze();
      // Only the stuck router may read now: stop the healthy one.
      const healthy = apps.find((app) => app.name === 'router');
      await stopProcess(healthy!.child);
      apps.splice(apps.indexOf(healthy!), 1);

      const id = fake.viewerSay(CHANNEL, { login: 'dave', text: '!ping' });
      await eventually(async () => ((await pendingOf('router-stuck')) > 0 ? true : undefined), 5_000, 'the stuck router to hold the event');
      stuck.child.kill('SIGKILL');

      apps.push(await launchApp('router', { distRoot, logDir, env: { ...env, ROUTER_CONSUMER_NAME: 'router-rescuer' } }));
      await waitUntilReady(apps);
      await eventually(() => nonEmpty(botLinesReplyingTo(id)), 15_000, 'the rescuer to answer the reclaimed event');
      await sleep(2_000);
      expect(botLinesReplyingTo(id)).toHaveLength(1);
    } finally {
      await stopProcess(stuck.child);
      proxy.close();
    }
  }, 180_000); // two router start-ups and a reclaim: on a busy machine more than the default 30 s

  async function pendingOf(consumer: string): Promise<number> {
    let total = 0;
    for (const stream of keys.allEventPartitions()) {
      const consumers = (await redis.xinfo('CONSUMERS', stream, 'router')) as unknown[][];
      for (const info of consumers) {
        const fields = fieldsOf(info as string[]);
        if (fields.name === consumer) total += Number(fields.pending);
      }
    }
    return total;
  }
});

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

function fieldsOf(flat: Array<string | number>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}
