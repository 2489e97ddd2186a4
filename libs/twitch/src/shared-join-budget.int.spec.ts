import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedJoinBudget } from './join-throttle.js';
import { TmiConnection } from './tmi-connection.js';

const prefix = uniquePrefix('twitch-join-budget');
const redis = new Redis(redisUrl());
const fake = new TwitchTmiFake();

afterAll(async () => {
  await fake.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('SharedJoinBudget', () => {
  it('keeps two connections of one account inside one JOIN limit together', async () => {
    const { ircUrl } = await fake.start();
    const limit = { count: 10, perMs: 1_000 };
    const joinedAt: number[] = [];
    fake.on('join', ({ login }) => {
      if (login === 'parleybot') joinedAt.push(Date.now());
    });
    const limiter = new SlidingWindowRateLimiter(redis, { keyPrefix: prefix });
    const connections = [0, 1].map(
      () => new TmiConnection({ url: ircUrl, login: 'parleybot', token: 'secret', joinBudget: new SharedJoinBudget(limiter, 'parleybot', limit) }),
    );
    try {
      await Promise.all(connections.map((connection) => connection.connect()));
      const started = Date.now();
      await Promise.all(connections.flatMap((connection, c) => Array.from({ length: 15 }, (_, i) => connection.join(`room${c}x${i}`))));

      expect(joinedAt).toHaveLength(30);
      // 30 JOINs at 10 per second: two full windows must pass.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      // Never more than the limit in any window (a little slack for the JOIN's trip to the fake).
      for (const at of joinedAt) expect(joinedAt.filter((other) => other >= at && other < at + limit.perMs - 50).length).toBeLessThanOrEqual(limit.count);
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });
});
