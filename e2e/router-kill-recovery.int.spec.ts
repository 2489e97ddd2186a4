import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, freezableProxy, logDir } from './support.js';

const CHANNEL = 'rescueroom';
const BOT = 'parleybot';

/**
 * A router that holds a `!ping` unacknowledged is SIGKILLed while another router runs.
 * With the default idle reclaim (30 s) the answer would come after half a minute; the
 * heartbeat (ROUTER_CONSUMER_TTL_MS, default 3 s) must bring it within 5 s, once.
 */
describe('a SIGKILLed router', () => {
  const prefix = uniquePrefix('e2e-router-kill');
  const fake = new TwitchTmiFake();
  const redis = new Redis(redisUrl());
  const apps: AppProcess[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const { ircUrl } = await fake.start();
    const community = await new CommunityRepository(database.pool).create({ slug: 'rescue', name: 'Rescue' });
    await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: fake.channelId(CHANNEL), name: CHANNEL });
    env = {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '2',
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: BOT,
      TWITCH_OAUTH_TOKEN: 'e2e-token',
      TWITCH_CHANNELS: CHANNEL,
      LOG_LEVEL: 'warn',
    };
    apps.push(await launchApp('ingest-twitch', { distRoot, logDir, instance: 'router-kill', env }));
    await waitUntilReady(apps, 60_000);
  }, 120_000);

  afterAll(async () => {
    await stopApps(apps);
    await fake.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  it('has its pending events answered by the other router within 5 s, once', async () => {
    const keys = new StreamKeys(prefix, 2);
    // This router reaches PostgreSQL through a proxy that then stops answering: it reads the
    // event and hangs loading configuration, with the event unacknowledged.
    const proxy = await freezableProxy(new URL(database.url));
    const stuck = await launchApp('router', {
      distRoot,
      logDir,
      instance: 'stuck',
      env: { ...env, DATABASE_URL: proxy.url, ROUTER_CONSUMER_NAME: 'router-stuck', PARLEY_MIGRATE_ON_START: 'false' },
    });
    apps.push(stuck);
    try {
      await waitUntilReady([stuck], 60_000);
      proxy.freeze();
      const id = fake.viewerSay(CHANNEL, { login: 'erin', text: '!ping' });
      await eventually(async () => {
        for (const stream of keys.allEventPartitions()) {
          const held = (await redis.xpending(stream, 'router', '-', '+', 10, 'router-stuck').catch(() => [])) as unknown[];
          if (held.length > 0) return true;
        }
        return undefined;
      }, 15_000, 'the stuck router to hold the event');
      const rescuer = await launchApp('router', { distRoot, logDir, instance: 'rescuer', env: { ...env, ROUTER_CONSUMER_NAME: 'router-rescuer' } });
      apps.push(rescuer);
      await waitUntilReady([rescuer], 60_000);
      // Alive, the stuck router keeps its event: nobody takes it while its heartbeat runs.
      expect(fake.sentMessages(CHANNEL).filter((line) => line.replyParentMsgId === id)).toEqual([]);

      stuck.child.kill('SIGKILL');
      const killedAt = Date.now();
      await eventually(() => (fake.sentMessages(CHANNEL).some((line) => line.replyParentMsgId === id && line.delivered) ? true : undefined), 30_000, 'the answer');
      const answeredMs = Date.now() - killedAt;
      console.log(`router SIGKILL: the event it held was answered ${answeredMs} ms later (ROUTER_CONSUMER_TTL_MS=3000, ROUTER_CLAIM_IDLE_MS=30000)`);
      expect(answeredMs).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(fake.sentMessages(CHANNEL).filter((line) => line.replyParentMsgId === id)).toHaveLength(1);
    } finally {
      proxy.close();
    }
  }, 180_000);
});
