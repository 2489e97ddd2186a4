import { setTimeout as sleep } from 'node:timers/promises';
import type { IIdentifyThrottler } from '@discordjs/ws';
import type { Redis } from 'ioredis';
import type { DiscordKeys } from './discord-keys.js';

/** Discord's identify window: `max_concurrency` identifies per 5 s, one per bucket. */
export const IDENTIFY_WINDOW_MS = 5_000;
/**
 * Added to each window. The window opens when Redis grants it, but Discord counts when the
 * IDENTIFY arrives: that is later by however long the pod's event loop and the network take,
 * and differently for each pod. An identify that landed exactly 5 s after the previous one
 * was refused (4008) in the e2e test, and with a 250 ms margin the second identify of a
 * bucket still was, once in four runs at a load average of 16 on 2 cores.
 */
export const IDENTIFY_WINDOW_MARGIN_MS = 1_000;

/**
 * `@discordjs/ws`'s identify throttle held in Redis, so it counts across every pod: shard
 * `s` identifies in bucket `s % max_concurrency`, and a bucket opens once per 5 s. One
 * `SET NX PX` takes the bucket's window (atomic, no script needed); a shard that finds it
 * taken waits the key's remaining time and asks again. The library's own
 * `SimpleIdentifyThrottler` counts in one process only.
 */
export class RedisIdentifyThrottler implements IIdentifyThrottler {
  constructor(
    private readonly redis: Redis,
    private readonly keys: DiscordKeys,
    private readonly maxConcurrency: number,
    private readonly holder: string,
  ) {}

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const key = this.keys.identifyBucket(shardId % this.maxConcurrency, this.maxConcurrency);
    for (;;) {
      signal.throwIfAborted();
      if ((await this.redis.set(key, `${this.holder}:${shardId}`, 'PX', IDENTIFY_WINDOW_MS + IDENTIFY_WINDOW_MARGIN_MS, 'NX')) === 'OK') return;
      const waitMs = await this.redis.pttl(key);
      await sleep(Math.max(10, waitMs), undefined, { signal });
    }
  }
}
