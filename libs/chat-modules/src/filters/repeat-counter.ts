import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const COUNT_REPEATS = 'parleyCountRepeats';
const script = readFileSync(new URL('./countRepeats-N.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & { [COUNT_REPEATS](numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<number[]> };

interface Waiting {
  key: string;
  hash: string;
  windowMs: number;
  eventId: string;
  resolve(count: number): void;
  reject(error: unknown): void;
}

/**
 * The repeats filter's Redis side, batched: the lines asked about within one turn of the
 * event loop (the router handles a read batch concurrently, so its lines arrive together)
 * are counted by one script call per channel (`countRepeats-N.lua`) instead of one per
 * line. Counts stay in Redis, so every router replica sees a viewer's previous line.
 */
export class RepeatCounter {
  private readonly redis: ScriptedRedis;
  /** Lines waiting for the next flush, by the channel's hash tag. */
  private waiting = new Map<string, Waiting[]>();
  private flushScheduled = false;

  constructor(redis: Redis) {
    redis.defineCommand(COUNT_REPEATS, { lua: script });
    this.redis = redis as ScriptedRedis;
  }

  /**
   * How many times in a row the viewer sent this line (this one included). `channelTag`
   * groups lines whose keys share a hash tag (one script call may only touch one slot).
   */
  count(channelTag: string, key: string, hash: string, windowMs: number, eventId: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const group = this.waiting.get(channelTag);
      const line = { key, hash, windowMs, eventId, resolve, reject };
      if (group) group.push(line);
      else this.waiting.set(channelTag, [line]);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const groups = this.waiting;
    this.waiting = new Map();
    this.flushScheduled = false;
    for (const lines of groups.values()) {
      const args: Array<string | number> = lines.map((line) => line.key);
      for (const line of lines) args.push(line.hash, line.windowMs, line.eventId);
      this.redis[COUNT_REPEATS](lines.length, ...args).then(
        (counts) => lines.forEach((line, i) => line.resolve(counts[i]!)),
        (error: unknown) => lines.forEach((line) => line.reject(error)),
      );
    }
  }
}
