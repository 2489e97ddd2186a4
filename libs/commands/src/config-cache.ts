import { EventEmitter } from 'node:events';
import type { Platform } from '@parley/contracts';
import type { ChannelConfig } from './types.js';

/** Loads one channel's configuration from the system of record; null when no community owns it. */
export type ChannelConfigLoader = (platform: Platform, channelId: string) => Promise<ChannelConfig | null>;

export interface ChannelConfigCacheOptions {
  /** How long a loaded configuration is served before it is loaded again. */
  ttlMs: number;
}

export const DefaultChannelConfigCacheOptions: ChannelConfigCacheOptions = { ttlMs: 30_000 };

interface Entry {
  config: ChannelConfig | null;
  loadedAt: number;
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
 * TTL or an explicit invalidation (a change notice), coalesces concurrent loads of one
 * channel, and keeps serving the last good configuration while the loader fails
 * (PostgreSQL down), so chat keeps getting answers.
 */
export class ChannelConfigCache extends EventEmitter<ChannelConfigCacheEvents> {
  private readonly options: ChannelConfigCacheOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ChannelConfig | null>>();
  private failing = false;

  constructor(
    private readonly loader: ChannelConfigLoader,
    options: Partial<ChannelConfigCacheOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.options = { ...DefaultChannelConfigCacheOptions, ...options };
  }

  get degraded(): boolean {
    return this.failing;
  }

  async get(platform: Platform, channelId: string): Promise<ChannelConfig | null> {
    const key = `${platform}:${channelId}`;
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.loadedAt < this.options.ttlMs) {
      this.emit('hit');
      return entry.config;
    }
    this.emit('miss');
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const load = this.load(key, platform, channelId, entry).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  /** Forget everything: the next event of each channel loads fresh configuration. */
  invalidateAll(): void {
    // Stale entries stay as the fallback for a failing loader; only their age changes.
    for (const entry of this.entries.values()) entry.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** Forget one community's channels (a change notice named it). */
  invalidateCommunity(communityId: string): void {
    for (const entry of this.entries.values()) {
      if (entry.config?.communityId === communityId) entry.loadedAt = Number.NEGATIVE_INFINITY;
    }
  }

  private async load(key: string, platform: Platform, channelId: string, stale: Entry | undefined): Promise<ChannelConfig | null> {
    try {
      const config = await this.loader(platform, channelId);
      this.entries.set(key, { config, loadedAt: this.now() });
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
