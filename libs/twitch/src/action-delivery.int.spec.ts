import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, chatActionId, type ChatAction } from '@parley/contracts';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TwitchActionDelivery } from './action-delivery.js';
import { TmiConnection } from './tmi-connection.js';

const CHANNELS = ['deliveryroom0', 'deliveryroom1', 'deliveryroom2', 'deliveryroom3', 'deliveryroom4', 'deliveryroom5'];
const prefix = uniquePrefix('twitch-delivery');
const keys = new StreamKeys(prefix, 1);
const redis = new Redis(redisUrl());
const fake = new TwitchTmiFake();
let tmi: TmiConnection;
let sequence = 0;

beforeAll(async () => {
  const { ircUrl } = await fake.start();
  tmi = new TmiConnection({ url: ircUrl, login: 'parleybot', token: 'secret' });
  await tmi.connect();
  for (const channel of CHANNELS) await tmi.join(channel);
});

afterAll(async () => {
  await tmi.close();
  await fake.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

function action(channel: string, text: string): { stream: string; id: string; payload: ChatAction; deliveryCount: number } {
  const causedBy = `twitch:delivery-${sequence++}`;
  const payload: ChatAction = {
    v: 1,
    id: chatActionId(causedBy, 0),
    platform: 'twitch',
    channel: { id: fake.channelId(channel), name: channel },
    kind: 'say',
    text,
    causedBy,
  };
  return { stream: keys.actions('twitch'), id: `${sequence}-0`, payload, deliveryCount: 1 };
}

function delivery(options: { duplicateWindowMs: number; maxRememberedChannels: number }): TwitchActionDelivery {
  return new TwitchActionDelivery(tmi, redis, new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') }), keys, {
    botLogin: 'parleybot',
    ...options,
  });
}

describe('TwitchActionDelivery with the TMI fake', () => {
  it('alternates a repeated line within the duplicate window, and forgets it after the window', async () => {
    const sender = delivery({ duplicateWindowMs: 300, maxRememberedChannels: 100 });
    const [channel] = CHANNELS as [string];
    const before = fake.sentMessages(channel).length;
    await sender.handle(action(channel, 'same line'));
    await sender.handle(action(channel, 'same line'));
    await vi.waitFor(() => expect(fake.sentMessages(channel).length - before).toBe(2), { timeout: 5_000 });
    const [first, second] = fake.sentMessages(channel).slice(before).map((record) => record.text);
    expect(first).toBe('same line');
    expect(second).not.toBe('same line');
    expect(second?.startsWith('same line')).toBe(true);
    expect(sender.rememberedChannels).toBe(1);

    // Past the window the channel is forgotten (memory freed) and the line goes out as it is.
    await vi.waitFor(() => expect(sender.rememberedChannels).toBe(0), { timeout: 5_000 });
    await sender.handle(action(channel, 'same line'));
    await vi.waitFor(() => expect(fake.sentMessages(channel).length - before).toBe(3), { timeout: 5_000 });
    expect(fake.sentMessages(channel).at(-1)?.text).toBe('same line');
  });

  it('remembers at most maxRememberedChannels channels, however many it answers in', async () => {
    const sender = delivery({ duplicateWindowMs: 60_000, maxRememberedChannels: 3 });
    let largest = 0;
    for (const channel of CHANNELS) {
      await sender.handle(action(channel, `hello ${channel}`));
      largest = Math.max(largest, sender.rememberedChannels);
    }
    expect(largest).toBe(3);
  });
});
