import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandLedger, type ChargeRequest } from './command-ledger.js';

describe('CommandLedger (real Redis)', () => {
  const prefix = uniquePrefix('ledger');
  const connections = [new Redis(redisUrl()), new Redis(redisUrl()), new Redis(redisUrl())];
  const ledgers = connections.map((redis) => new CommandLedger(redis, { keyPrefix: prefix, chargeTtlSeconds: 60 }));

  afterAll(async () => {
    await deleteKeysWithPrefix(connections[0]!, prefix);
    for (const redis of connections) redis.disconnect();
  });

  const request = (overrides: Partial<ChargeRequest>): ChargeRequest => ({
    eventId: 'e',
    communityId: 'c',
    command: 'cmd',
    userId: 'u',
    globalCooldownMs: 0,
    userCooldownMs: 0,
    bypassCooldown: false,
    count: false,
    ...overrides,
  });

  it('lets exactly one of many concurrent runs through a global cooldown', async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        ledgers[i % 3]!.charge(request({ eventId: `g-${i}`, command: 'global', userId: `u${i % 50}`, globalCooldownMs: 30_000 })),
      ),
    );
    expect(results.filter((result) => result.charged)).toHaveLength(1);
    const refused = results.find((result) => !result.charged);
    expect(refused).toMatchObject({ charged: false, scope: 'global' });
    expect(refused && !refused.charged && refused.retryAfterMs).toBeGreaterThan(25_000);
  });

  it('lets each viewer through a per-user cooldown once', async () => {
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        ledgers[i % 3]!.charge(request({ eventId: `u-${i}`, command: 'peruser', userId: `viewer${i % 50}`, userCooldownMs: 30_000 })),
      ),
    );
    expect(results.filter((result) => result.charged)).toHaveLength(50);
  });

  it('charges a redelivered event once and answers it the same way', async () => {
    const first = await ledgers[0]!.charge(request({ eventId: 'same', command: 'counted', count: true, globalCooldownMs: 10_000 }));
    const again = await ledgers[1]!.charge(request({ eventId: 'same', command: 'counted', count: true, globalCooldownMs: 10_000 }));
    expect(first).toEqual({ charged: true, count: 1 });
    expect(again).toEqual(first);
    expect(await ledgers[2]!.count('c', 'counted')).toBe(1);

    const refused = await ledgers[0]!.charge(request({ eventId: 'other', command: 'counted', count: true, globalCooldownMs: 10_000 }));
    const refusedAgain = await ledgers[0]!.charge(request({ eventId: 'other', command: 'counted', count: true, globalCooldownMs: 10_000 }));
    expect(refused.charged).toBe(false);
    expect(refusedAgain).toEqual(refused);
    expect(await ledgers[2]!.count('c', 'counted')).toBe(1);
  });

  it('counts every run exactly under concurrency', async () => {
    await Promise.all(Array.from({ length: 400 }, (_, i) => ledgers[i % 3]!.charge(request({ eventId: `n-${i}`, command: 'many', count: true }))));
    expect(await ledgers[0]!.count('c', 'many')).toBe(400);
  });

  it('spends an author budget across connections and renews it after the window', async () => {
    const spent = await Promise.all(Array.from({ length: 30 }, (_, i) => ledgers[i % 3]!.spendAnswerBudget('c', 'twitch:loopbot', 10, 300)));
    expect(spent.filter(Boolean)).toHaveLength(10);
    expect(await ledgers[0]!.spendAnswerBudget('c', 'twitch:someone-else', 10, 300)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await ledgers[0]!.spendAnswerBudget('c', 'twitch:loopbot', 10, 300)).toBe(true);
  });

  it('allows one cooldown notice per viewer and interval', async () => {
    expect(await ledgers[0]!.claimCooldownNotice('c', 'viewer', 30)).toBe(true);
    expect(await ledgers[1]!.claimCooldownNotice('c', 'viewer', 30)).toBe(false);
    expect(await ledgers[1]!.claimCooldownNotice('c', 'other', 30)).toBe(true);
  });

  it('lets a bypassing moderator run without starting or meeting the cooldown', async () => {
    await ledgers[0]!.charge(request({ eventId: 'b-1', command: 'bypass', globalCooldownMs: 30_000 }));
    const moderator = await ledgers[0]!.charge(request({ eventId: 'b-2', command: 'bypass', globalCooldownMs: 30_000, bypassCooldown: true }));
    expect(moderator.charged).toBe(true);
  });
});
