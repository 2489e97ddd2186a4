import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TwitchChatIngest } from './chat-ingest.js';
import { TmiConnection } from './tmi-connection.js';

const CHANNEL = 'ingestroom';
const prefix = uniquePrefix('twitch-ingest');
const keys = new StreamKeys(prefix, 2);
const redis = new Redis(redisUrl());
const fake = new TwitchTmiFake();
let tmi: TmiConnection;
let ingest: TwitchChatIngest;

beforeAll(async () => {
  const { ircUrl } = await fake.start();
  tmi = new TmiConnection({ url: ircUrl, login: 'parleybot', token: 'secret' });
  ingest = new TwitchChatIngest(tmi, new StreamProducer(redis), keys, { botLogin: 'parleybot' });
  await tmi.connect();
  await tmi.join(CHANNEL);
});

afterAll(async () => {
  await tmi.close();
  await fake.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function published(): Promise<ChatEvent[]> {
  const entries = await redis.xrange(keys.eventStreamFor('twitch', fake.channelId(CHANNEL)), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent);
}

describe('TwitchChatIngest with the TMI fake', () => {
  it('publishes messages, cheers, subscriptions, raids and moderation as v1 events, once each', async () => {
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
    expect(kinds.sort()).toEqual(['message', 'moderation', 'moderation', 'raid', 'subscription']);
  });
});
