import { LuaScripts } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';

/**
 * Where a followed YouTube channel stands, as the pod that holds it last wrote it:
 * - `checking`: the pod took the channel and is asking YouTube whether it is live;
 * - `offline`: not live at the last check (`nextCheckAt` says when the next one is);
 * - `live`: a live chat is being read (`liveChatId`, `reading` says how);
 * - `degraded`: the channel cannot be followed now, `reason` says why (the quota is spent
 *   until `retryAt`, no credential for the channel, YouTube refuses the token).
 */
export type LiveStatus = 'checking' | 'offline' | 'live' | 'degraded';

export interface LiveState {
  channelId: string;
  status: LiveStatus;
  /** The live chat being read, when live. */
  liveChatId?: string;
  /** How the chat is read: `streaming` (streamList), `polling` (list fallback), `waiting-for-quota`. */
  reading?: string;
  /** The Google project the channel's calls are charged to. */
  project: string;
  reason?: string;
  /** ISO times. */
  since: string;
  updatedAt: string;
  nextCheckAt?: string;
  retryAt?: string;
  /** The ingest pod that follows the channel. */
  pod: string;
}

/** How long a state is kept without an update: a pod gone for good leaves nothing stale for long. */
const STATE_TTL_SECONDS = 24 * 3_600;

/**
 * The live state of each followed YouTube channel in Redis: written by the ingest pod
 * that holds the channel, read by the hub (`GET …/channels/{id}/live`). This module loads
 * no YouTube client, so the hub reads it through `@parley/youtube/live-state` alone.
 */
export class LiveStateStore {
  private readonly keys: StreamKeys;
  private readonly scripts: LuaScripts<'forgetLiveState'>;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.keys = new StreamKeys(keyPrefix);
    this.scripts = new LuaScripts(redis, new URL('.', import.meta.url), ['forgetLiveState-1.lua']);
  }

  key(channelId: string): string {
    return this.keys.key('youtube-live', channelId);
  }

  async write(state: LiveState): Promise<void> {
    const fields = Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as Record<string, string>;
    const key = this.key(state.channelId);
    // The whole record is replaced: a field of the previous status (liveChatId, retryAt) must not linger.
    await this.redis.multi().del(key).hset(key, fields).expire(key, STATE_TTL_SECONDS).exec();
  }

  async read(channelId: string): Promise<LiveState | null> {
    const hash = await this.redis.hgetall(this.key(channelId));
    if (!hash['status'] || !hash['channelId']) return null;
    return hash as unknown as LiveState;
  }

  /** The pod parted the channel: its record goes, unless the next owner wrote one already. */
  async forget(channelId: string, pod: string): Promise<void> {
    await this.scripts.run('forgetLiveState', [this.key(channelId)], [pod]);
  }
}
