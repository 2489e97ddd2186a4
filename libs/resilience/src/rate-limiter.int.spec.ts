import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SlidingWindowRateLimiter } from './rate-limiter.js';

// Local helpers rather than @parley/bus/testing: the bus depends on this lib, not the reverse.
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const keyPrefix = `test:rate-limiter:${randomUUID()}`;
const redis = new Redis(redisUrl);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

describe('SlidingWindowRateLimiter', () => {
  it('allows exactly `limit` of 200 concurrent acquisitions from three connections', async () => {
    const connections = [new Redis(redisUrl), new Redis(redisUrl), new Redis(redisUrl)];
    try {
      const limiters = connections.map((connection) => new SlidingWindowRateLimiter(connection, { keyPrefix }));
      const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 3]!.acquire('twitch:send:bot:#chan', 20, 30_000)));

      const allowed = decisions.filter((d) => d.allowed);
      expect(allowed).toHaveLength(20);
      expect(allowed.map((d) => d.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(allowed.every((d) => d.retryAfterMs === 0)).toBe(true);
      const refused = decisions.filter((d) => !d.allowed);
      expect(refused).toHaveLength(180);
      for (const d of refused) {
        expect(d.remaining).toBe(0);
        expect(d.retryAfterMs).toBeGreaterThan(25_000);
        expect(d.retryAfterMs).toBeLessThanOrEqual(30_000);
      }
      expect(await redis.zcard(`${keyPrefix}:twitch:send:bot:#chan`)).toBe(20);
      const ttl = await redis.pttl(`${keyPrefix}:twitch:send:bot:#chan`);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  });

  it('slides: a slot frees up when its acquisition leaves the window, not at a fixed boundary', async () => {
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix });
    const key = 'sliding';
    expect((await limiter.acquire(key, 3, 500)).allowed).toBe(true); // t0
    await sleep(250);
    expect((await limiter.acquire(key, 3, 500)).allowed).toBe(true); // t0 + 250
    expect(await limiter.acquire(key, 3, 500)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });

    const refused = await limiter.acquire(key, 3, 500);
    expect(refused.allowed).toBe(false);
    // The first acquisition leaves the window about 250 ms from now.
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(250);

    await sleep(refused.retryAfterMs + 5);
    // Exactly one slot came back: the two later acquisitions are still in the window.
    expect(await limiter.acquire(key, 3, 500)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    const again = await limiter.acquire(key, 3, 500);
    expect(again.allowed).toBe(false);
    expect(again.retryAfterMs).toBeLessThanOrEqual(500);

    await sleep(520);
    expect((await limiter.acquire(key, 3, 500)).remaining).toBe(2);
  });

  it('names the acquisition that blocks when the limit was lowered', async () => {
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix });
    const key = 'lowered';
    await limiter.acquire(key, 3, 2_000);
    await sleep(150);
    await limiter.acquire(key, 3, 2_000);
    await sleep(150);
    await limiter.acquire(key, 3, 2_000);

    const atThree = await limiter.peek(key, 3, 2_000); // waits for the oldest
    const atTwo = await limiter.acquire(key, 2, 2_000); // must wait for the second oldest too
    expect(atThree.allowed).toBe(false);
    expect(atTwo.allowed).toBe(false);
    const difference = atTwo.retryAfterMs - atThree.retryAfterMs;
    expect(difference).toBeGreaterThanOrEqual(140);
    expect(difference).toBeLessThan(600);
  });

  it('peek reports without taking a slot', async () => {
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix });
    const key = 'peek';
    expect(await limiter.peek(key, 2, 10_000)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    expect(await redis.exists(`${keyPrefix}:${key}`)).toBe(0);
    await limiter.acquire(key, 2, 10_000);
    for (let i = 0; i < 5; i++) expect(await limiter.peek(key, 2, 10_000)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    await limiter.acquire(key, 2, 10_000);
    const full = await limiter.peek(key, 2, 10_000);
    expect(full.allowed).toBe(false);
    expect(full.remaining).toBe(0);
    expect(full.retryAfterMs).toBeGreaterThan(9_000);
    expect(full.retryAfterMs).toBeLessThanOrEqual(10_000);
    expect(await redis.zcard(`${keyPrefix}:${key}`)).toBe(2);
  });

  it('keeps keys apart and emits rateLimited on refusal', async () => {
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix });
    const events: { key: string; retryAfterMs: number }[] = [];
    limiter.on('rateLimited', ({ key, retryAfterMs }) => events.push({ key, retryAfterMs }));
    expect((await limiter.acquire('channel-a', 1, 5_000)).allowed).toBe(true);
    expect((await limiter.acquire('channel-b', 1, 5_000)).allowed).toBe(true);
    const refused = await limiter.acquire('channel-a', 1, 5_000);
    expect(refused.allowed).toBe(false);
    expect(events).toEqual([{ key: 'channel-a', retryAfterMs: refused.retryAfterMs }]);
  });

  it('rejects limits and windows that are not positive integers', async () => {
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix });
    await expect(limiter.acquire('x', 0, 1_000)).rejects.toThrow(RangeError);
    await expect(limiter.acquire('x', 1.5, 1_000)).rejects.toThrow(RangeError);
    await expect(limiter.peek('x', 1, 0)).rejects.toThrow(RangeError);
  });
});
