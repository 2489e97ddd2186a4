import { StreamKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';

export interface LiveCheckPlannerOptions {
  keyPrefix: string;
  /** Share of a project's daily units spent on finding out which channels are live. */
  share: number;
  /** Units one check costs (`liveBroadcasts.list`: 1). */
  checkCost: number;
  /** Never check one channel more often than this, whatever the budget allows. */
  minIntervalMs: number;
  /** Never leave a channel unchecked longer than this (a check is then over budget: it is still charged). */
  maxIntervalMs: number;
  now: () => number;
}

export const DefaultLiveCheckPlannerOptions: Omit<LiveCheckPlannerOptions, 'keyPrefix'> = {
  share: 0.2,
  checkCost: 1,
  minIntervalMs: 30_000,
  maxIntervalMs: 30 * 60_000,
  now: Date.now,
};

const DAY_MS = 86_400_000;

/**
 * How often an offline channel may be asked "are you live?" so that the checks of every
 * offline channel of a project, on every pod, fit in `share` of its daily units: each
 * check records the channel in a Redis sorted set per project (score: when), and the
 * interval is `day × offline channels / checks the share pays for`. A live channel is
 * not checked at all: its reader sees the chat end.
 */
export class LiveCheckPlanner {
  readonly options: LiveCheckPlannerOptions;
  private readonly keys: StreamKeys;

  constructor(
    private readonly redis: Redis,
    options: Pick<LiveCheckPlannerOptions, 'keyPrefix'> & Partial<LiveCheckPlannerOptions>,
  ) {
    this.options = { ...DefaultLiveCheckPlannerOptions, ...options };
    this.keys = new StreamKeys(options.keyPrefix);
  }

  /** Records a check of `channelId` and returns how long to wait before its next one. */
  async checked(project: string, channelId: string, dailyUnits: number): Promise<number> {
    const { now, maxIntervalMs, minIntervalMs, share, checkCost } = this.options;
    const key = this.key(project);
    const at = now();
    // A channel not checked for two maximal intervals is no longer offline here (live, parted, or its pod gone).
    const results = await this.redis
      .multi()
      .zadd(key, at, channelId)
      .zremrangebyscore(key, '-inf', at - 2 * maxIntervalMs)
      .zcard(key)
      .pexpire(key, 2 * maxIntervalMs)
      .exec();
    const offline = Math.max(1, Number(results?.[2]?.[1] ?? 1));
    const checksPerDay = Math.max(1, Math.floor((dailyUnits * share) / checkCost));
    return Math.min(maxIntervalMs, Math.max(minIntervalMs, Math.ceil((DAY_MS * offline) / checksPerDay)));
  }

  /** The channel went live (or was parted): it no longer takes a share of the checks. */
  async leave(project: string, channelId: string): Promise<void> {
    await this.redis.zrem(this.key(project), channelId);
  }

  private key(project: string): string {
    return this.keys.key('youtube-live-checks', project);
  }
}
