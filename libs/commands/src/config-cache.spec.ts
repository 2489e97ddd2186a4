import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChannelConfigCache } from './config-cache.js';
import type { ChannelConfig } from './types.js';

const cfg: ChannelConfig = { communityId: 'c', channelId: 'ch', commandPrefix: '!', commands: [] };

const caches: ChannelConfigCache[] = [];
afterEach(() => {
  for (const cache of caches.splice(0)) cache.close();
});

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
    const degraded = once(cache, 'degraded');
    await expect(cache.get('twitch', '1')).resolves.toBe(cfg);
    await degraded;
    expect(cache.degraded).toBe(true);
    fail = false;
    clock = 200;
    const recovered = once(cache, 'recovered');
    await cache.get('twitch', '1');
    await recovered;
    expect(cache.degraded).toBe(false);
  });

  it('answers with the expired configuration at once and reloads it behind the lookup', async () => {
    let clock = 0;
    let version = 0;
    let release: () => void = () => undefined;
    const cache = new ChannelConfigCache(async () => {
      version++;
      if (version > 1) await new Promise<void>((resolve) => (release = resolve));
      return { ...cfg, commandPrefix: String(version) };
    }, { ttlMs: 10 }, () => clock);
    expect((await cache.get('twitch', '1'))?.commandPrefix).toBe('1');
    clock = 50;
    // The reload is still waiting on the loader: the lookup does not.
    expect((await cache.get('twitch', '1'))?.commandPrefix).toBe('1');
    expect((await cache.get('twitch', '1'))?.commandPrefix).toBe('1');
    expect(version).toBe(2);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.get('twitch', '1'))?.commandPrefix).toBe('2');
  });

  it('waits for the fresh configuration after a change notice', async () => {
    let version = 0;
    const cache = new ChannelConfigCache(async () => ({ ...cfg, commandPrefix: String(++version) }), { ttlMs: 60_000 });
    await cache.get('twitch', '1');
    cache.invalidateCommunity('c');
    expect((await cache.get('twitch', '1'))?.commandPrefix).toBe('2');
  });

  it('fails when there is nothing cached to fall back on', async () => {
    const cache = new ChannelConfigCache(async () => {
      throw new Error('database down');
    });
    await expect(cache.get('twitch', '1')).rejects.toThrow('database down');
  });

  describe('memory bounds', () => {
    const unowned = async () => null;
    const owned = async (_platform: string, channelId: string) => ({ ...cfg, channelId });

    it('holds at most maxChannels, however many channels are looked up', async () => {
      const cache = track(new ChannelConfigCache(owned, { maxChannels: 100 }));
      for (let i = 0; i < 5_000; i++) await cache.get('twitch', `channel-${i}`);
      expect(cache.size).toBe(100);
    });

    it('forgets the least recently looked-up channel first', async () => {
      let loads = 0;
      const cache = track(new ChannelConfigCache(async (platform, id) => (loads++, owned(platform, id)), { maxChannels: 2 }));
      await cache.get('twitch', 'a');
      await cache.get('twitch', 'b');
      await cache.get('twitch', 'a');
      await cache.get('twitch', 'c');
      loads = 0;
      await cache.get('twitch', 'a');
      expect(loads).toBe(0);
      await cache.get('twitch', 'b');
      expect(loads).toBe(1);
    });

    it('keeps an unowned channel only negativeTtlMs, then looks it up again', async () => {
      vi.useFakeTimers();
      try {
        let loads = 0;
        const cache = track(new ChannelConfigCache(async () => (loads++, null), { ttlMs: 60_000, negativeTtlMs: 1_000, sweepIntervalMs: 2_000 }));
        await cache.get('twitch', 'x');
        await cache.get('twitch', 'x');
        expect(loads).toBe(1);
        for (let i = 0; i < 1_000; i++) await cache.get('twitch', `drive-by-${i}`);
        expect(cache.size).toBe(1_001);
        vi.advanceTimersByTime(2_000);
        // Expired unowned entries are gone from memory, not only ignored.
        expect(cache.size).toBe(0);
        await cache.get('twitch', 'x');
        expect(loads).toBe(1_002);
      } finally {
        vi.useRealTimers();
      }
    });

    it('drops channels idle longer than idleMs, owned ones included, on the periodic sweep', async () => {
      vi.useFakeTimers();
      try {
        const cache = track(new ChannelConfigCache(owned, { ttlMs: 1_000, idleMs: 10_000, sweepIntervalMs: 1_000 }));
        for (let i = 0; i < 500; i++) await cache.get('twitch', `channel-${i}`);
        await cache.get('twitch', 'busy');
        for (let second = 0; second < 12; second++) {
          vi.advanceTimersByTime(1_000);
          await cache.get('twitch', 'busy');
        }
        expect(cache.size).toBe(1);
      } finally {
        vi.useRealTimers();
      }
    });

    it('stays bounded under churn of owned and unowned channels', async () => {
      let clock = 1;
      const cache = track(
        new ChannelConfigCache((platform, id) => (id.startsWith('own') ? owned(platform, id) : unowned()), {
          maxChannels: 1_000,
          negativeTtlMs: 100,
          idleMs: 5_000,
          sweepIntervalMs: 3_600_000,
        }, () => clock),
      );
      let largest = 0;
      for (let i = 0; i < 20_000; i++) {
        clock += 1;
        await cache.get('twitch', i % 4 === 0 ? `own-${i % 400}` : `drive-by-${i}`);
        largest = Math.max(largest, cache.size);
      }
      expect(largest).toBeLessThanOrEqual(1_000);
    });
  });
});

function track(cache: ChannelConfigCache): ChannelConfigCache {
  caches.push(cache);
  return cache;
}
