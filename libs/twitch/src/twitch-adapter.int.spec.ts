import { randomUUID } from 'node:crypto';
import { PermanentError, StreamProducer, type BusEntry } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction, type ChatEvent } from '@parley/contracts';
import { ChatIngest, ConnectionHealth, IngestKeys, OutboundDelivery, SendBudget, type DeliveryOutcome, type OutboundDeliveryOptions } from '@parley/ingest';
import { TwitchHelixFake, TwitchTmiFake } from '@parley/platform-fakes';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TmiConnectionPool } from './connection-pool.js';
import { HelixClient } from './helix-client.js';
import { HelixModeration } from './helix-moderation.js';
import { TWITCH_DUPLICATE_WINDOW_MS, TWITCH_REPEAT_SUFFIX, TwitchIrcAdapter } from './twitch-adapter.js';

const CHANNEL = 'ingestroom';
const BOT = 'parleybot';
const prefix = uniquePrefix('twitch-adapter');
const keys = new StreamKeys(prefix, 2);
const ingestKeys = new IngestKeys(keys);
const redis = new Redis(redisUrl());
const fake = new TwitchTmiFake({ moderators: { [CHANNEL]: [BOT], refusing: [BOT], quietroom: [BOT] } });
const BOT_USER_ID = '100000001';
const helixFake = new TwitchHelixFake({ moderators: { [fake.channelId(CHANNEL)]: [BOT_USER_ID] } });
const pools: TmiConnectionPool[] = [];
let ircUrl: string;

beforeAll(async () => {
  ({ ircUrl } = await fake.start());
  await helixFake.start();
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await fake.stop();
  await helixFake.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

/** One ingest process's Twitch side: its own pool and adapter, the shared Redis. */
async function pod(channels: string[], options: Partial<OutboundDeliveryOptions> = {}, moderation?: HelixModeration) {
  const pool = new TmiConnectionPool({ channelsPerConnection: 50, connection: { url: ircUrl, login: BOT, token: 'secret' } });
  pools.push(pool);
  const adapter = new TwitchIrcAdapter(pool, { botLogin: BOT, moderation });
  const health = new ConnectionHealth();
  const ingest = new ChatIngest(adapter, new StreamProducer(redis), keys, ingestKeys, health);
  const budget = new SendBudget(new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') }), (identity, channel) => ingestKeys.sendBudget('twitch', identity, channel), {
    perChannel: { count: 1_000, perMs: 30_000 },
  });
  const delivery = new OutboundDelivery(adapter, redis, ingestKeys, budget, {
    identity: BOT,
    repeatRefusal: { suffix: TWITCH_REPEAT_SUFFIX, windowMs: TWITCH_DUPLICATE_WINDOW_MS },
    confirmTimeoutMs: 1_000,
    ...options,
  });
  const outcomes: DeliveryOutcome[] = [];
  delivery.on('outcome', (outcome) => outcomes.push(outcome));
  await adapter.connect();
  for (const channel of channels) await adapter.join(channel);
  return { pool, adapter, health, ingest, delivery, outcomes };
}

function entry(channel: string, text: string, overrides: Partial<ChatAction> = {}): BusEntry {
  const action: ChatAction = {
    v: 1,
    id: `twitch:${randomUUID()}#0`,
    platform: 'twitch',
    channel: { id: fake.channelId(channel), name: channel },
    kind: 'reply',
    text,
    causedBy: `twitch:${randomUUID()}`,
    targetMessageId: randomUUID(),
    eventReceivedAt: new Date().toISOString(),
    ...overrides,
  };
  return { stream: keys.actionsFor('twitch', action.channel.id), id: '0-1', payload: action, deliveryCount: 1 };
}

const linesFor = (target: string) => fake.sentMessages().filter((record) => record.replyParentMsgId === target);

async function published(): Promise<ChatEvent[]> {
  const entries = await redis.xrange(keys.eventStreamFor('twitch', fake.channelId(CHANNEL)), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent);
}

describe('the Twitch IRC adapter under the ingest kit, against the TMI fake', () => {
  it('publishes messages, cheers, subscriptions, raids and moderation as v1 events, once each, and tracks each connection', async () => {
    const { ingest, health } = await pod([CHANNEL]);
    const kinds: string[] = [];
    ingest.on('ingested', ({ kind }) => kinds.push(kind));
    const messageId = fake.viewerSay(CHANNEL, { login: 'alice', text: '!ping' });
    const subId = fake.userNotice(CHANNEL, 'sub', { login: 'bob', 'msg-param-sub-plan': '1000', 'msg-param-cumulative-months': '1' }, 'hi!');
    const raidId = fake.userNotice(CHANNEL, 'raid', { login: 'carol', 'msg-param-viewerCount': '42', 'msg-param-login': 'carol' });
    fake.userNotice(CHANNEL, 'announcement', { login: 'dave' }, 'not a chat event Parley acts on');
    fake.clearChat(CHANNEL, 'alice', 600);
    fake.clearMsg(CHANNEL, messageId);

    await vi.waitFor(async () => expect(await published()).toHaveLength(5), { timeout: 5_000 });
    const events = await published();
    expect(events.map((event) => [event.kind, event.author.name])).toEqual([
      ['message', 'alice'],
      ['subscription', 'bob'],
      ['raid', 'carol'],
      ['moderation', 'alice'],
      ['moderation', 'alice'],
    ]);
    expect(events.map((event) => event.id).slice(0, 3)).toEqual([`twitch:${messageId}`, `twitch:${subId}`, `twitch:${raidId}`]);
    expect(events[3]!.extras).toMatchObject({ action: 'timeout', durationSeconds: 600 });
    expect(events[4]!.extras).toMatchObject({ action: 'delete', targetMessageId: messageId });
    await vi.waitFor(() => expect(kinds.sort()).toEqual(['message', 'moderation', 'moderation', 'raid', 'subscription']));
    expect([...health.ages().keys()]).toEqual([0]);
  });

  it('sends the same answer many times in a row: every one delivered once, none refused as a duplicate and lost', async () => {
    const { delivery, outcomes } = await pod([CHANNEL]);
    const entries = Array.from({ length: 30 }, () => entry(CHANNEL, 'Pong!'));
    await Promise.all(entries.map((e) => delivery.handle(e)));
    for (const e of entries) {
      const lines = linesFor((e.payload as ChatAction).targetMessageId!);
      expect(lines.filter((line) => line.delivered)).toHaveLength(1);
    }
    expect(outcomes.filter((o) => o.outcome === 'sent')).toHaveLength(30);
    // Handled twice (a redelivery): not sent again.
    await delivery.handle(entries[0]!);
    expect(linesFor((entries[0]!.payload as ChatAction).targetMessageId!)).toHaveLength(1);
    expect(outcomes.at(-1)).toEqual({ outcome: 'duplicate', kind: 'reply' });
  });

  it('a restarted process (or a second pod) sending the text of the last line gets another variant from Redis, not a refusal', async () => {
    const first = await pod([CHANNEL]);
    const before = entry(CHANNEL, 'Same answer');
    await first.delivery.handle(before);
    await first.pool.close();
    const second = await pod([CHANNEL]);
    const after = entry(CHANNEL, 'Same answer');
    await second.delivery.handle(after);
    const [line] = linesFor((after.payload as ChatAction).targetMessageId!);
    expect(line).toMatchObject({ delivered: true, text: `Same answer ${TWITCH_REPEAT_SUFFIX}` });
    expect(fake.sentMessages(CHANNEL).filter((record) => record.refusedBy === 'msg_duplicate')).toEqual([]);
  });

  it('retries a msg_duplicate refusal with another text when the shared state was lost, and counts it as retried', async () => {
    const { delivery, outcomes } = await pod([CHANNEL]);
    await delivery.handle(entry(CHANNEL, 'Repeat me'));
    // The shared last line is gone (expired, flushed): the next send repeats the text and Twitch refuses it.
    await redis.del(ingestKeys.lastText('twitch', BOT, CHANNEL));
    const again = entry(CHANNEL, 'Repeat me');
    await delivery.handle(again);
    const lines = linesFor((again.payload as ChatAction).targetMessageId!);
    expect(lines.map((line) => [line.delivered, line.refusedBy ?? null])).toEqual([
      [false, 'msg_duplicate'],
      [true, null],
    ]);
    expect(outcomes.slice(-2)).toEqual([
      { outcome: 'retried', kind: 'reply', reason: 'msg_duplicate' },
      { outcome: 'sent', kind: 'reply', connection: 0 },
    ]);
  });

  it('dead-letters a final refusal with the platform reason and never counts it as sent', async () => {
    const { delivery, outcomes } = await pod(['refusing']);
    fake.refuseMessages('refusing', 'msg_followersonly');
    const refused = entry('refusing', 'hello');
    await expect(delivery.handle(refused)).rejects.toThrow(new PermanentError('refused by twitch: msg_followersonly'));
    expect(outcomes.at(-1)).toEqual({ outcome: 'refused', kind: 'reply', reason: 'msg_followersonly' });
    expect(await redis.get(ingestKeys.delivery(refused.payload as ChatAction))).toBe('refused');
    // Redelivered: settled, not tried again.
    await delivery.handle(refused);
    expect(linesFor((refused.payload as ChatAction).targetMessageId!)).toHaveLength(1);
  });

  it('drops, counts and dead-letters an action found being sent by a process that died (at most once)', async () => {
    const { delivery, outcomes } = await pod([CHANNEL]);
    const orphan = entry(CHANNEL, 'was in flight');
    await redis.set(ingestKeys.delivery(orphan.payload as ChatAction), 'sending:dead-process-token', 'EX', 60);
    await expect(delivery.handle(orphan)).rejects.toBeInstanceOf(PermanentError);
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'ambiguous', kind: 'reply' });
    expect(linesFor((orphan.payload as ChatAction).targetMessageId!)).toEqual([]);
    expect(await redis.get(ingestKeys.delivery(orphan.payload as ChatAction))).toBe('ambiguous');

    const resend = await pod([CHANNEL], { onAmbiguous: 'resend' });
    const other = entry(CHANNEL, 'was in flight too');
    await redis.set(ingestKeys.delivery(other.payload as ChatAction), 'sending:dead-process-token', 'EX', 60);
    await resend.delivery.handle(other);
    expect(resend.outcomes.map((o) => o.outcome)).toEqual(['retried', 'sent']);
    expect(linesFor((other.payload as ChatAction).targetMessageId!)).toHaveLength(1);
  });

  it('counts a send Twitch never answers as ambiguous, and sends one message per connection at a time', async () => {
    const { delivery, outcomes } = await pod(['quietroom']);
    const quiet = fake.connections().at(-1)!;
    fake.silence(quiet.id);
    const first = entry('quietroom', 'one');
    const second = entry('quietroom', 'two');
    const results = await Promise.allSettled([delivery.handle(first), delivery.handle(second)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(outcomes.map((o) => o.outcome)).toEqual(['ambiguous', 'ambiguous']);
    // The second line was written only after the first one's confirmation timed out.
    const [one, two] = ['one', 'two'].map((text) => fake.sentMessages('quietroom').find((record) => record.text === text)!);
    expect(two!.at - one!.at).toBeGreaterThanOrEqual(900);
  });

  it('dead-letters delete and timeout without Helix: Twitch retired them over IRC', async () => {
    const { delivery } = await pod([CHANNEL]);
    await expect(delivery.handle(entry(CHANNEL, '', { kind: 'timeout', targetUserId: '1', durationSeconds: 5 }))).rejects.toThrow(/not supported/);
  });

  it('delivers delete and timeout through Helix with the broadcaster, the bot as moderator and the target', async () => {
    const helix = new HelixClient({ clientId: helixFake.options.clientId, auth: { accessToken: async () => 'user-token' }, baseUrl: helixFake.url });
    const { delivery, outcomes } = await pod([CHANNEL], {}, new HelixModeration(helix, BOT_USER_ID));
    const broadcasterId = fake.channelId(CHANNEL);
    await delivery.handle(entry(CHANNEL, 'spam', { kind: 'timeout', targetUserId: '4242', durationSeconds: 60, targetMessageId: undefined }));
    await delivery.handle(entry(CHANNEL, '', { kind: 'delete', targetMessageId: 'msg-to-delete' }));
    expect(helixFake.calls('POST /moderation/bans')).toMatchObject([
      { query: { broadcaster_id: broadcasterId, moderator_id: BOT_USER_ID }, body: { data: { user_id: '4242', duration: 60, reason: 'spam' } }, status: 200, token: 'user-token' },
    ]);
    expect(helixFake.calls('DELETE /moderation/chat')).toMatchObject([
      { query: { broadcaster_id: broadcasterId, moderator_id: BOT_USER_ID, message_id: 'msg-to-delete' }, status: 204 },
    ]);
    expect(outcomes.map((o) => [o.outcome, o.kind])).toEqual([['sent', 'timeout'], ['sent', 'delete']]);
    // Nothing went to IRC.
    expect(fake.sentMessages(CHANNEL).filter((record) => record.text.startsWith('/'))).toEqual([]);

    // A 429 holds the action until Ratelimit-Reset, then it goes.
    helixFake.rateLimitFor(1_500);
    const started = Date.now();
    await delivery.handle(entry(CHANNEL, '', { kind: 'delete', targetMessageId: 'after-429' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(outcomes.at(-2)).toEqual({ outcome: 'retried', kind: 'delete', reason: 'helix_rate_limited' });
    expect(helixFake.calls('DELETE /moderation/chat').at(-1)).toMatchObject({ query: { message_id: 'after-429' }, status: 204 });

    // Not a moderator there: refused for good with Helix's status, dead-lettered.
    await expect(delivery.handle(entry('refusing', '', { kind: 'delete', targetMessageId: 'x' }))).rejects.toThrow(/helix_403/);
  });
});
