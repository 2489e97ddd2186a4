import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CommunityStats } from './community-stats.js';

const prefix = uniquePrefix('community-stats');
const keys = new StreamKeys(prefix, 1);
const redis = new Redis(redisUrl());

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('CommunityStats', () => {
  it('adds up counts in memory and writes them in one flush', async () => {
    const stats = new CommunityStats(redis, keys);
    stats.record({ platform: 'twitch', outcome: 'answered', latencyMs: 1, communityId: 'c1', channelId: 'ch1' });
    stats.record({ platform: 'twitch', outcome: 'error', latencyMs: 1, communityId: 'c1', channelId: 'ch2' });
    stats.record({ platform: 'twitch', outcome: 'unowned', latencyMs: 1 });
    await stats.flush();
    const snapshot = await stats.read('c1');
    expect(snapshot).toMatchObject({ commandsRun: 2, answers: 1, errors: 1 });
    expect(Object.keys(snapshot.lastSeen).sort()).toEqual(['ch1', 'ch2']);
    expect(stats.pendingChannels).toBe(0);
  });

  it('never holds more than maxPendingChannels between timed flushes: reaching it writes at once', async () => {
    const stats = new CommunityStats(redis, keys, { flushIntervalMs: 3_600_000, maxPendingChannels: 50 });
    let largest = 0;
    for (let i = 0; i < 5_000; i++) {
      stats.record({ platform: 'twitch', outcome: 'answered', latencyMs: 1, communityId: `community-${i % 7}`, channelId: `channel-${i}` });
      largest = Math.max(largest, stats.pendingChannels);
    }
    expect(largest).toBeLessThanOrEqual(50);
    await stats.stop();
    // Nothing counted was lost by the early writes.
    let answers = 0;
    for (let c = 0; c < 7; c++) answers += (await stats.read(`community-${c}`)).answers;
    expect(answers).toBe(5_000);
  });
});
