import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { ChannelAuthorizationRepository, ChannelRepository, CommunityRepository, hubTable } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchAuthFake, TwitchEventSubFake, TwitchHelixFake, TwitchTmiFake } from '@parley/platform-fakes';
import { TWITCH_REPEAT_SUFFIX } from '@parley/twitch';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir, publishedEvents } from './support.js';

const CHANNEL = 'transportroom';
const BOT = 'parleybot';

type Transport = 'irc' | 'eventsub';
/**
 * The same chat, written through each transport's fake with the same message ids: a viewer's
 * command, a moderator and subscriber replying to it, and a known bot. What each transport's
 * ingest published and what the router answered, compared across transports at the end.
 */
const SCRIPT = [
  { id: 'contract-ping', login: 'carol', text: '!ping', badges: [] },
  { id: 'contract-reply', login: 'dave', text: 'thanks', badges: ['moderator/1', 'subscriber/12'], replyTo: 'contract-ping' },
  { id: 'contract-bot', login: 'nightbot', text: '!ping', badges: [] },
] as const;
const seen = new Map<Transport, { events: ChatEvent[]; answers: string[] }>();

/**
 * The built router and ingest-twitch against the Twitch fakes, once per transport: a
 * viewer's `!ping` is answered (IRC: a PRIVMSG reply; EventSub: read on a conduit shard,
 * answered through `POST /helix/chat/messages`), and the router's spam filter ladder (delete,
 * delete + warning, timeout) reaches Helix with the broadcaster, the bot as moderator and
 * the target — whichever transport the channel reads with.
 */
describe.each(['irc', 'eventsub'] as const)('Twitch over %s', (transport) => {
  const prefix = uniquePrefix(`e2e-twitch-${transport}`);
  const keys = new StreamKeys(prefix, 2);
  const redis = new Redis(redisUrl());
  const tmi = new TwitchTmiFake();
  const helix = new TwitchHelixFake();
  const eventSub = new TwitchEventSubFake(helix, { keepaliveSeconds: 10 });
  const auth = new TwitchAuthFake();
  const broadcasterId = eventSub.channelId(CHANNEL);
  const botUserId = eventSub.channelId(BOT);
  let apps: AppProcess[] = [];
  let database: TestDatabase;
  let channelId: string;

  beforeAll(async () => {
    expect(broadcasterId).toBe(tmi.channelId(CHANNEL));
    database = await createTestDatabase();
    const { ircUrl } = await tmi.start();
    const [helixUrl, eventSubUrl, tokenUrl] = [await helix.start(), await eventSub.start(), await auth.start()];
    const communityId = (await new CommunityRepository(database.pool).create({ slug: 'transports', name: 'Transports' })).id;
    channelId = (await new ChannelRepository(database.pool).create({ communityId, platform: 'twitch', platformChannelId: broadcasterId, name: CHANNEL })).id;
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
      // The subscriptions were made: the channel's authorization, as the hub shows it.
      const authorization = await eventually(async () => (await new ChannelAuthorizationRepository(database.pool).forChannels([channelId])).get(channelId), 15_000, 'the authorization recorded');
      expect(authorization).toMatchObject({ state: 'granted', reason: null });
    }
  });

  it('reads the scripted chat (for the cross-transport comparison below)', async () => {
    for (const line of SCRIPT) {
      const replyTo = 'replyTo' in line ? line.replyTo : undefined;
      if (transport === 'irc') tmi.viewerSay(CHANNEL, { id: line.id, login: line.login, text: line.text, badges: line.badges.join(','), ...(replyTo && { replyParentMsgId: replyTo }) });
      else {
        const badges = line.badges.map((badge) => {
          const [set, version] = badge.split('/') as [string, string];
          return { set_id: set, id: version, info: set === 'subscriber' ? version : '' };
        });
        eventSub.viewerSay(CHANNEL, { id: line.id, login: line.login, text: line.text, badges, ...(replyTo && { replyParentMessageId: replyTo }) });
      }
    }
    const events = await eventually(async () => {
      const published = (await publishedEvents(redis, keys)).filter((event) => SCRIPT.some((line) => event.id === `twitch:${line.id}`));
      return published.length === SCRIPT.length ? published : undefined;
    }, 15_000, 'the scripted chat on the bus');
    const answers = await eventually(() => (answersTo('contract-ping').length > 0 ? answersTo('contract-ping') : undefined), 15_000, 'the answer to the scripted !ping');
    seen.set(transport, { events: events.sort((a, b) => a.id.localeCompare(b.id)), answers });
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

/** The shared contract: whichever transport read it, the router gets the same event and answers the same way. */
describe('Twitch over either transport', () => {
  /** What the router reads of an event: all but the clocks (when each fake sent and each ingest read it) and each transport's own extras. */
  const routed = ({ sentAt: _sentAt, receivedAt: _receivedAt, extras: _extras, ...rest }: ChatEvent) => rest;

  it('gives the router identical events for the same chat, and the same answer to !ping', () => {
    const irc = seen.get('irc');
    const eventSub = seen.get('eventsub');
    expect(irc && eventSub, 'both transports read the scripted chat (run the whole file)').toBeTruthy();
    expect(eventSub!.events.map(routed)).toEqual(irc!.events.map(routed));
    expect(irc!.events.find((event) => event.id === 'twitch:contract-reply')).toMatchObject({ replyTo: expect.anything(), author: { roles: expect.arrayContaining(['moderator', 'subscriber']) } });
    expect(irc!.events.find((event) => event.id === 'twitch:contract-bot')?.author.isBot).toBe(true);
    expect(eventSub!.answers).toEqual(irc!.answers);
    // A second Pong! within Twitch's duplicate window carries the kit's repeat suffix, on both transports alike.
    expect(irc!.answers.map((answer) => answer.replace(TWITCH_REPEAT_SUFFIX, '').trimEnd())).toEqual(['Pong!']);
  });
});
