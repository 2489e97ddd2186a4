import { EventEmitter } from 'node:events';
import type { Platform } from '@parley/contracts';
import { LRUCache } from 'lru-cache';
import type { ChannelConfig } from './types.js';

/** Loads one channel's configuration from the system of record; null when no community owns it. */
export type ChannelConfigLoader = (platform: Platform, channelId: string) => Promise<ChannelConfig | null>;

export interface ChannelConfigCacheOptions {
  /**
   * How long a loaded configuration is served as it is. After that the next lookup still
   * answers with it while a reload runs in the background, so an event never waits for
   * PostgreSQL because a TTL ran out (only after a change notice, or the first time).
   */
  ttlMs: number;
  /**
   * How long "no community owns this channel" is believed. Short, because a channel added in
   * the hub should be answered soon, and because such entries come and go with every
   * unowned channel that chats.
   */
  negativeTtlMs: number;
  /** Channels remembered at most; beyond it the least recently looked-up one is forgotten. */
  maxChannels: number;
  /**
   * A channel not looked up for this long is forgotten, with it the stale configuration a
   * failing loader would fall back on: a quiet channel's next event loads afresh.
   */
  idleMs: number;
  /** How often entries past `idleMs` are swept out (a lookup drops an idle entry it meets anyway). */
  sweepIntervalMs: number;
}

export const DefaultChannelConfigCacheOptions: ChannelConfigCacheOptions = {
  ttlMs: 30_000,
  negativeTtlMs: 5_000,
  maxChannels: 50_000,
  idleMs: 600_000,
  sweepIntervalMs: 60_000,
};

interface Entry {
  config: ChannelConfig | null;
  loadedAt: number;
  /** A change notice named it: the next lookup waits for a fresh load. */
  invalidated: boolean;
}

interface ChannelConfigCacheEvents {
  /** A load failed and a stale configuration was served instead. */
  degraded: [error: Error];
  /** A load succeeded again after a failure. */
  recovered: [];
  hit: [];
  miss: [];
}

/**
 * The router's view of community configuration. Answers from memory, reloads after the
 * TTL (in the background, answering with the old one meanwhile) or at once after an
 * explicit invalidation (a change notice), coalesces concurrent loads of one channel, and
 * keeps serving the last good configuration while the loader fails (PostgreSQL down), so
 * chat keeps getting answers. Memory is bounded: at most `maxChannels` entries (least
 * recently used out first), none idle longer than `idleMs`, unowned channels remembered
 * only `negativeTtlMs`.
 */
export class ChannelConfigCache extends EventEmitter<ChannelConfigCacheEvents> {
  private readonly options: ChannelConfigCacheOptions;
  private readonly entries: LRUCache<string, Entry>;
  /** Loads in flight, one per channel; each removes itself when it settles. */
  private readonly loading = new Map<string, Promise<ChannelConfig | null>>();
  private readonly sweeper: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly loader: ChannelConfigLoader,
    options: Partial<ChannelConfigCacheOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.options = { ...DefaultChannelConfigCacheOptions, ...options };
    for (const name of ['ttlMs', 'negativeTtlMs', 'maxChannels', 'idleMs', 'sweepIntervalMs'] as const) {
      if (!Number.isInteger(this.options[name]) || this.options[name] < 1) throw new RangeError(`${name} must be a positive integer`);
    }
    this.entries = new LRUCache<string, Entry>({
      max: this.options.maxChannels,
      ttl: this.options.idleMs,
      updateAgeOnGet: true,
      // Ages are read from `now` on every lookup, not cached for a millisecond: tests move the clock.
      ttlResolution: 0,
      perf: { now },
    });
    // Lookups only drop the idle entries they meet; the sweep frees the rest.
    this.sweeper = setInterval(() => this.entries.purgeStale(), this.options.sweepIntervalMs).unref();
  }

  get degraded(): boolean {
    return this.failing;
  }

  /** Channels held in memory now (owned or not). */
  get size(): number {
    return this.entries.size;
  }

  async get(platform: Platform, channelId: string): Promise<ChannelConfig | null> {
    const key = `${platform}:${channelId}`;
    const entry = this.entries.get(key);
    if (entry && !entry.invalidated) {
      const age = this.now() - entry.loadedAt;
      if (age < (entry.config ? this.options.ttlMs : this.options.negativeTtlMs)) {
        this.emit('hit');
        return entry.config;
      }
      if (entry.config) {
        // Expired by age only: answer with it now and reload behind it.
        this.emit('hit');
        this.reload(key, platform, channelId, entry).catch(() => undefined);
        return entry.config;
      }
    }
    this.emit('miss');
    return this.reload(key, platform, channelId, entry);
  }

  /** Forget everything: the next event of each channel loads fresh configuration. */
  invalidateAll(): void {
    // Stale entries stay as the fallback for a failing loader.
    for (const entry of this.entries.values()) entry.invalidated = true;
  }

  /** Forget one community's channels (a change notice named it). */
  invalidateCommunity(communityId: string): void {
    for (const entry of this.entries.values()) {
      if (entry.config?.communityId === communityId) entry.invalidated = true;
    }
  }

  /** Stops the sweep timer (the cache keeps working; idle entries then go only when met). */
  close(): void {
    clearInterval(this.sweeper);
  }

  private reload(key: string, platform: Platform, channelId: string, stale: Entry | undefined): Promise<ChannelConfig | null> {
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const load = this.load(key, platform, channelId, stale).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  private async load(key: string, platform: Platform, channelId: string, stale: Entry | undefined): Promise<ChannelConfig | null> {
    try {
      const config = await this.loader(platform, channelId);
      const entry: Entry = { config, loadedAt: this.now(), invalidated: false };
      // An unowned channel is kept only as long as it is believed; an owned one until idle.
      this.entries.set(key, entry, config ? {} : { ttl: this.options.negativeTtlMs });
      if (this.failing) {
        this.failing = false;
        this.emit('recovered');
      }
      return config;
    } catch (error) {
      if (!stale) throw error;
      this.failing = true;
      this.emit('degraded', error as Error);
      return stale.config;
    }
  }
}
