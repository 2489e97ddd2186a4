import { setTimeout as sleep } from 'node:timers/promises';
import { uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir, useRedis, type TestRedis } from './support.js';

const CHANNELS = ['failovera', 'failoverb', 'failoverc', 'failoverd'];
const BOT = 'parleybot';
/** Steady chat: a `!ping` every SEND_EVERY_MS, for SENDS in all; the master is killed a third of the way in. */
const SENDS = 300;
const SEND_EVERY_MS = 40;

/**
 * A Redis Cluster master is SIGKILLed during steady chat (its replica is promoted by the
 * cluster itself, not by `CLUSTER FAILOVER`): ingest and router ride it out through
 * ioredis's Cluster client (commands to the dead master retried on the refreshed slot map)
 * and the consumers' reclaim. Every command is answered, none twice.
 */
describe('a Redis Cluster master dies during steady chat', () => {
  const prefix = uniquePrefix('e2e-failover');
  const keys = new StreamKeys(prefix, 4);
  // Send limits are not what is tested here: a budget refusal would look like a loss.
  const fake = new TwitchTmiFake({
    moderators: Object.fromEntries(CHANNELS.map((channel) => [channel, [BOT]])),
    sendLimit: { count: 1_000_000, moderatorCount: 1_000_000, perMs: 30_000 },
  });
  const apps: AppProcess[] = [];
  let target: TestRedis;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    // The replica takes over 2 s after its master stops answering, not Redis's default 15 s.
    target = await useRedis('cluster', { nodeTimeoutMs: 2_000 });
    database = await createTestDatabase();
    const { ircUrl } = await fake.start();
    const community = await new CommunityRepository(database.pool).create({ slug: 'failover', name: 'Failover' });
    for (const channel of CHANNELS) {
      await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: fake.channelId(channel), name: channel });
    }
    const env = {
      REDIS_URL: target.url,
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '4',
      TWITCH_IRC_URL: ircUrl,
      TWITCH_BOT_LOGIN: BOT,
      TWITCH_OAUTH_TOKEN: 'e2e-token',
      TWITCH_CHANNELS: CHANNELS.join(','),
      ROUTER_CLAIM_IDLE_MS: '5000',
      TWITCH_SEND_LIMIT: '1000000',
      TWITCH_MODERATOR_SEND_LIMIT: '1000000',
      LOG_LEVEL: 'info',
    };
    apps.push(await launchApp('ingest-twitch', { distRoot, logDir, instance: 'failover', env }));
    apps.push(await launchApp('router', { distRoot, logDir, instance: 'failover', env: { ...env, ROUTER_CONSUMER_NAME: 'router-failover' } }));
    await waitUntilReady(apps);
  }, 120_000);

  afterAll(async () => {
    await stopApps(apps);
    await fake.stop();
    await target?.close([]);
    await database?.drop();
  });

  it('loses no command and answers none twice while the replica takes over', async () => {
    // The master of the first channel's partition: its events, actions and marks live there.
    const victim = await target.cluster!.masterOf(keys.eventStreamFor('twitch', fake.channelId(CHANNELS[0]!)));
    const sent: Array<{ channel: string; id: string }> = [];
    let killedAt = 0;
    let healthyAfterMs = 0;
    for (let i = 0; i < SENDS; i++) {
      const channel = CHANNELS[i % CHANNELS.length]!;
      sent.push({ channel, id: fake.viewerSay(channel, { login: `viewer${i}`, text: '!ping' }) });
      if (i === Math.floor(SENDS / 3)) {
        target.cluster!.kill(victim);
        killedAt = Date.now();
        void target.cluster!.waitUntilHealthy(60_000).then(() => (healthyAfterMs = Date.now() - killedAt));
      }
      await sleep(SEND_EVERY_MS);
    }
    const answers = (id: string, channel: string) => fake.sentMessages(channel).filter((line) => line.login === BOT && line.replyParentMsgId === id).length;
    const lost = () => sent.filter(({ id, channel }) => answers(id, channel) === 0);
    await eventually(() => (lost().length === 0 ? true : undefined), 90_000, 'every command answered').catch(() => undefined);
    // Redeliveries after the failover would show up as second answers now.
    await sleep(3_000);
    const twice = sent.filter(({ id, channel }) => answers(id, channel) > 1);
    const failoverMs = await eventually(() => (healthyAfterMs > 0 ? healthyAfterMs : undefined), 60_000, 'the cluster healthy again');
    console.log(
      `cluster failover: ${sent.length} commands sent over ${Math.round((SENDS * SEND_EVERY_MS) / 1_000)} s, master :${victim.port} SIGKILLed after ${Math.floor(SENDS / 3) + 1}; ` +
        `${lost().length} lost, ${twice.length} answered twice; cluster ok again ${failoverMs} ms after the kill`,
    );
    expect(lost()).toEqual([]);
    expect(twice).toEqual([]);
  }, 240_000);
});
