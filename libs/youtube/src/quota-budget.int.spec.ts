import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { QuotaExhaustedError } from './errors.js';
import { QuotaBudget, pacificQuotaDay } from './quota-budget.js';

const prefix = uniquePrefix('youtube-quota');
const redis = new Redis(redisUrl());
const clients: Redis[] = [redis];
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  for (const client of clients) client.disconnect();
});

function budget(options: Partial<ConstructorParameters<typeof QuotaBudget>[1]> & { keyPrefix?: string } = {}) {
  const client = new Redis(redisUrl());
  clients.push(client);
  return new QuotaBudget(client, { keyPrefix: prefix, ...options });
}

describe('pacificQuotaDay', () => {
  it('turns the day at midnight Pacific time, not UTC', () => {
    // 07:59 UTC on 1 Dec is 23:59 PST on 30 Nov; 08:00 UTC is midnight PST.
    expect(pacificQuotaDay(new Date('2026-12-01T07:59:00Z'))).toEqual({ day: '2026-11-30', endsInMs: 60_000 });
    expect(pacificQuotaDay(new Date('2026-12-01T08:00:00Z')).day).toBe('2026-12-01');
    // Summer: PDT is UTC-7.
    expect(pacificQuotaDay(new Date('2026-07-01T06:59:59Z')).day).toBe('2026-06-30');
    expect(pacificQuotaDay(new Date('2026-07-01T07:00:00Z')).day).toBe('2026-07-01');
  });
});

describe('QuotaBudget against real Redis', () => {
  it('charges before each call and refuses, with nothing charged, what the day cannot pay', async () => {
    const quota = budget({ dailyUnits: 100, sendReserve: 0 });
    await expect(quota.charge('project-a', 60, 'read')).resolves.toMatchObject({ used: 60, left: 40 });
    await expect(quota.charge('project-a', 50, 'read')).rejects.toMatchObject({ why: 'daily' });
    await expect(quota.usage('project-a')).resolves.toMatchObject({ used: 60, left: 40 });
    // Another project has its own day's units.
    await expect(quota.charge('project-b', 100, 'read')).resolves.toMatchObject({ used: 100 });
  });

  it('keeps the send reserve out of reach of reads', async () => {
    const quota = budget({ dailyUnits: 100, sendReserve: 50 });
    await quota.charge('reserve', 50, 'read');
    const refused = await quota.charge('reserve', 5, 'read').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuotaExhaustedError);
    expect((refused as QuotaExhaustedError).why).toBe('reserved');
    await expect(quota.charge('reserve', 50, 'send')).resolves.toMatchObject({ used: 100, left: 0 });
  });

  it('caps what one chat may spend, so a busy chat cannot starve the others', async () => {
    const quota = budget({ dailyUnits: 1_000, sendReserve: 0, chatCap: 20 });
    for (let i = 0; i < 4; i++) await quota.charge('capped', 5, 'read', 'busy-chat');
    await expect(quota.charge('capped', 5, 'read', 'busy-chat')).rejects.toMatchObject({ why: 'chat-cap' });
    await expect(quota.charge('capped', 5, 'read', 'quiet-chat')).resolves.toMatchObject({ used: 25 });
  });

  it('never lets three pods together spend more than the day, however they race', async () => {
    const pods = [budget({ dailyUnits: 1_000, sendReserve: 0 }), budget({ dailyUnits: 1_000, sendReserve: 0 }), budget({ dailyUnits: 1_000, sendReserve: 0 })];
    const attempts = pods.flatMap((pod) => Array.from({ length: 150 }, () => pod.charge('shared', 5, 'read').then(() => 1, () => 0)));
    const charged = (await Promise.all(attempts)).reduce<number>((sum, ok) => sum + ok, 0);
    expect(charged).toBe(200);
    await expect(pods[0]!.usage('shared')).resolves.toMatchObject({ used: 1_000, left: 0 });
  });

  it('is whole again at midnight Pacific time, and says how long until then', async () => {
    let now = new Date('2026-12-01T07:59:00Z');
    const quota = budget({ dailyUnits: 10, sendReserve: 0, now: () => now });
    await quota.charge('reset', 10, 'read');
    const refused = (await quota.charge('reset', 5, 'read').catch((error: unknown) => error)) as QuotaExhaustedError;
    expect(refused.retryAfterMs).toBe(60_000);
    now = new Date('2026-12-01T08:00:01Z');
    await expect(quota.charge('reset', 5, 'read')).resolves.toMatchObject({ used: 5 });
  });
});
