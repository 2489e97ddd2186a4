import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SendBudget } from './send-budget.js';

const prefix = uniquePrefix('ingest-budget');
const redis = new Redis(redisUrl());
const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix: prefix });
const keyOf = (identity: string, channel?: string) => (channel === undefined ? `send:${identity}` : `send:${identity}:${channel}`);

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('SendBudget against Redis', () => {
  it('keeps the last slots of a channel window for moderation: chat cannot take them', async () => {
    const budget = new SendBudget(limiter, keyOf, { perChannel: { count: 5, perMs: 60_000 }, moderationReserve: 2 });
    const chat = [];
    for (let i = 0; i < 4; i++) chat.push(await budget.take('bot', 'lanes', 'chat'));
    expect(chat.map((wait) => wait === 0)).toEqual([true, true, true, false]);
    expect(await budget.take('bot', 'lanes', 'moderation')).toBe(0);
    expect(await budget.take('bot', 'lanes', 'moderation')).toBe(0);
    expect(await budget.take('bot', 'lanes', 'moderation')).toBeGreaterThan(0);
    expect(SendBudget.laneOf('timeout')).toBe('moderation');
    expect(SendBudget.laneOf('reply')).toBe('chat');
  });

  it('decides the channel limit per channel, and caps the identity over all channels', async () => {
    const budget = new SendBudget(limiter, keyOf, {
      perChannel: (channel) => ({ count: channel === 'modded' ? 10 : 1, perMs: 60_000 }),
      perIdentity: { count: 4, perMs: 60_000 },
      moderationReserve: 0,
    });
    expect(await budget.take('acct', 'plain', 'chat')).toBe(0);
    expect(await budget.take('acct', 'plain', 'chat')).toBeGreaterThan(0);
    const modded = [];
    for (let i = 0; i < 4; i++) modded.push(await budget.take('acct', 'modded', 'chat'));
    // 1 in plain + 3 in modded = the identity's 4; the 4th in modded is refused by the identity window.
    expect(modded.map((wait) => wait === 0)).toEqual([true, true, true, false]);
  });
});
