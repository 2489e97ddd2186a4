import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { ChannelRepository, CommunityRepository, hubTable } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchAuthFake, TwitchEventSubFake, TwitchHelixFake, TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir } from './support.js';

const CHANNEL = 'transportroom';
const BOT = 'parleybot';

/**
 * The built router and ingest-twitch against the Twitch fakes, once per transport: a
 * viewer's `!ping` is answered (IRC: a PRIVMSG reply; EventSub: read on a conduit shard,
 * answered through `POST /helix/chat/messages`), and the router's spam filter ladder (delete,
 * delete + warning, timeout) reaches Helix with the broadcaster, the bot as moderator and
 * the target — whichever transport the channel reads with.
 */
describe.each(['irc', 'eventsub'] as const)('Twitch over %s', (transport) => {
  const prefix = uniquePrefix(`e2e-twitch-${transport}`);
  const redis = new Redis(redisUrl());
  const tmi = new TwitchTmiFake();
  const helix = new TwitchHelixFake();
  const eventSub = new TwitchEventSubFake(helix, { keepaliveSeconds: 10 });
  const auth = new TwitchAuthFake();
  const broadcasterId = eventSub.channelId(CHANNEL);
  const botUserId = eventSub.channelId(BOT);
  let apps: AppProcess[] = [];
  let database: TestDatabase;

  beforeAll(async () => {
    expect(broadcasterId).toBe(tmi.channelId(CHANNEL));
    database = await createTestDatabase();
    const { ircUrl } = await tmi.start();
    const [helixUrl, eventSubUrl, tokenUrl] = [await helix.start(), await eventSub.start(), await auth.start()];
    const communityId = (await new CommunityRepository(database.pool).create({ slug: 'transports', name: 'Transports' })).id;
    await new ChannelRepository(database.pool).create({ communityId, platform: 'twitch', platformChannelId: broadcasterId, name: CHANNEL });
    await hubTable(database.pool, 'moduleSettings').create(communityId, {
      module: 'filters',
      settings: { enabled: true, dryRun: false, words: { enabled: true, banned: ['badword'] } },
    });
    const env = {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '2',
      LOG_LEVEL: 'info',
    };
    apps.push(
      await launchApp('ingest-twitch', {
        distRoot,
        logDir,
        instance: transport,
        env: {
          ...env,
          TWITCH_TRANSPORT: transport,
          TWITCH_IRC_URL: ircUrl,
          TWITCH_HELIX_URL: helixUrl,
          TWITCH_EVENTSUB_URL: eventSubUrl,
          TWITCH_TOKEN_URL: tokenUrl,
          TWITCH_BOT_LOGIN: BOT,
          TWITCH_BOT_USER_ID: botUserId,
          TWITCH_OAUTH_TOKEN: 'bot-user-token',
          TWITCH_CLIENT_ID: auth.options.clientId,
          TWITCH_CLIENT_SECRET: auth.options.clientSecret,
          TWITCH_CHANNELS: CHANNEL,
          TWITCH_CONDUIT_SHARDS: '2',
        },
      }),
    );
    apps.push(await launchApp('router', { distRoot, logDir, instance: transport, env: { ...env, ROUTER_CONSUMER_NAME: `router-${transport}`, ROUTER_MODERATION_PLATFORMS: 'twitch' } }));
    await waitUntilReady(apps);
  });

  afterAll(async () => {
    await stopApps(apps);
    apps = [];
    await Promise.all([tmi.stop(), eventSub.stop(), helix.stop(), auth.stop()]);
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  /** A viewer writes in the channel through the transport under test; returns the message id. */
  const viewerSay = (login: string, text: string): string =>
    transport === 'irc' ? tmi.viewerSay(CHANNEL, { login, text }) : eventSub.viewerSay(CHANNEL, { login, text });

  /** The bot's answers to a message: PRIVMSG replies on IRC, Send Chat Message calls on EventSub. */
  const answersTo = (messageId: string): string[] =>
    transport === 'irc'
      ? tmi.sentMessages(CHANNEL).filter((line) => line.login === BOT && line.replyParentMsgId === messageId && line.delivered).map((line) => line.text)
      : helix.chatMessages(broadcasterId).filter((sent) => sent.replyParentMessageId === messageId && sent.isSent).map((sent) => sent.message);

  it('answers a viewer’s !ping', async () => {
    const id = viewerSay('alice', '!ping');
    const answers = await eventually(() => (answersTo(id).length > 0 ? answersTo(id) : undefined), 15_000, 'the answer to !ping');
    expect(answers).toEqual(['Pong!']);
    if (transport === 'eventsub') {
      // Read on a conduit shard, answered as the bot with the app token from the client credentials grant.
      expect(helix.chatMessages(broadcasterId).find((sent) => sent.replyParentMessageId === id)).toMatchObject({ senderId: botUserId, broadcasterId });
      expect(auth.appTokenCount).toBe(1);
      expect(eventSub.conduitIds()).toHaveLength(1);
      expect(eventSub.shards(eventSub.conduitIds()[0]!).map((shard) => shard.status)).toEqual(['enabled', 'enabled']);
    }
  });

  it('delivers the filter ladder’s delete and timeout through Helix with the right broadcaster, moderator and target', async () => {
    const spammer = 'spammer';
    const spammerId = eventSub.channelId(spammer);
    const first = viewerSay(spammer, 'badword one');
    const deletes = () => helix.calls('DELETE /moderation/chat').filter((call) => call.status === 204);
    await eventually(() => (deletes().some((call) => call.query.message_id === first) ? true : undefined), 15_000, 'the first line deleted');
    const second = viewerSay(spammer, 'badword two');
    await eventually(() => (deletes().some((call) => call.query.message_id === second) ? true : undefined), 15_000, 'the second line deleted');
    viewerSay(spammer, 'badword three');
    const bans = await eventually(() => {
      const found = helix.calls('POST /moderation/bans').filter((call) => call.status === 200);
      return found.length > 0 ? found : undefined;
    }, 15_000, 'the timeout');

    for (const call of deletes()) expect(call.query).toMatchObject({ broadcaster_id: broadcasterId, moderator_id: botUserId });
    expect(bans).toHaveLength(1);
    expect(bans[0]).toMatchObject({ query: { broadcaster_id: broadcasterId, moderator_id: botUserId }, body: { data: { user_id: spammerId, duration: 60 } } });
    // Moderation is made with the bot's own user token (the app token cannot moderate).
    expect(bans[0]!.token).toBe('bot-user-token');
  });
});
