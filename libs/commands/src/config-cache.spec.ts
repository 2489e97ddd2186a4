import { describe, expect, it } from 'vitest';
import { ChannelConfigCache } from './config-cache.js';
import type { ChannelConfig } from './types.js';

const cfg: ChannelConfig = { communityId: 'c', channelId: 'ch', commandPrefix: '!', commands: [] };

describe('ChannelConfigCache', () => {
  it('serves from memory within the TTL and coalesces concurrent loads', async () => {
    let loads = 0;
    const cache = new ChannelConfigCache(async () => (loads++, cfg), { ttlMs: 1_000 });
    await Promise.all([cache.get('twitch', '1'), cache.get('twitch', '1'), cache.get('twitch', '1')]);
    await cache.get('twitch', '1');
    expect(loads).toBe(1);
  });

  it('reloads after an invalidation', async () => {
    let loads = 0;
    const cache = new ChannelConfigCache(async () => (loads++, cfg), { ttlMs: 60_000 });
    await cache.get('twitch', '1');
    cache.invalidateAll();
    await cache.get('twitch', '1');
    expect(loads).toBe(2);
  });

  it('reloads only the channels of the community a change names', async () => {
    const loads: string[] = [];
    const cache = new ChannelConfigCache(async (_platform, channelId) => {
      loads.push(channelId);
      return { ...cfg, communityId: channelId === 'a' ? 'community-a' : 'community-b' };
    }, { ttlMs: 60_000 });
    await cache.get('twitch', 'a');
    await cache.get('twitch', 'b');
    cache.invalidateCommunity('community-a');
    await cache.get('twitch', 'a');
    await cache.get('twitch', 'b');
    expect(loads).toEqual(['a', 'b', 'a']);
  });

  it('keeps answering from the stale entry while the loader fails, and says so', async () => {
    let clock = 0;
    let fail = false;
    const cache = new ChannelConfigCache(async () => {
      if (fail) throw new Error('database down');
      return cfg;
    }, { ttlMs: 10 }, () => clock);
    await cache.get('twitch', '1');
    fail = true;
    clock = 100;
    await expect(cache.get('twitch', '1')).resolves.toBe(cfg);
    expect(cache.degraded).toBe(true);
    fail = false;
    clock = 200;
    await cache.get('twitch', '1');
    expect(cache.degraded).toBe(false);
  });

  it('fails when there is nothing cached to fall back on', async () => {
    const cache = new ChannelConfigCache(async () => {
      throw new Error('database down');
    });
    await expect(cache.get('twitch', '1')).rejects.toThrow('database down');
  });
});
