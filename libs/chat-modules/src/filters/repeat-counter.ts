import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const COUNT_REPEATS = 'parleyCountRepeats';
const script = readFileSync(new URL('./countRepeats-2.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  [COUNT_REPEATS](current: string, previous: string, now: number, windowMs: number, lines: string): Promise<number[]>;
};

/** The two generation keys of one channel's repeats (`ChatModuleKeys.repeats`): the current one and the one before. */
export interface RepeatGenerations {
  current: string;
  previous: string;
}

interface Batch {
  generations: RepeatGenerations;
  now: number;
  windowMs: number;
  /** Each line as the script reads it (`countRepeats-2.lua`), joined when the batch goes out. */
  lines: string[];
  settle: Array<{ resolve(count: number): void; reject(error: unknown): void }>;
}

/**
 * The repeats filter's Redis side, batched: the lines asked about within one turn of the
 * event loop (the router handles a read batch concurrently, so its lines arrive together)
 * are counted by one script call per channel (`countRepeats-2.lua`) instead of one per
 * line, the batch's lines in one argument. Counts stay in Redis, so every router
 * replica sees a viewer's previous line: a channel's events go to whichever replica reads
 * them, so a history kept in one process would miss repeats the others saw.
 */
export class RepeatCounter {
  private readonly redis: ScriptedRedis;
  /** Lines waiting for the next flush, by their current generation key (one channel, one window). */
  private waiting = new Map<string, Batch>();
  private flushScheduled = false;

  constructor(redis: Redis) {
    redis.defineCommand(COUNT_REPEATS, { numberOfKeys: 2, lua: script });
    this.redis = redis as ScriptedRedis;
  }

  /**
   * How many times in a row the viewer sent this line (this one included). A window's
   * history is read from `generations`; `now` is the caller's clock, whole ms.
   */
  count(generations: RepeatGenerations, now: number, windowMs: number, viewerId: string, fingerprint: string, eventId: string): Promise<number> {
    return new Promise((resolve, reject) => {
      let batch = this.waiting.get(generations.current);
      if (!batch) {
        batch = { generations, now, windowMs, lines: [], settle: [] };
        this.waiting.set(generations.current, batch);
      }
      batch.lines.push(`${fingerprint} ${Buffer.byteLength(viewerId)} ${viewerId}${Buffer.byteLength(eventId)} ${eventId}`);
      batch.settle.push({ resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batches = this.waiting;
    this.waiting = new Map();
    this.flushScheduled = false;
    for (const { generations, now, windowMs, lines, settle } of batches.values()) {
      this.redis[COUNT_REPEATS](generations.current, generations.previous, now, windowMs, lines.join('')).then(
        (counts) => settle.forEach((line, i) => line.resolve(counts[i]!)),
        (error: unknown) => settle.forEach((line) => line.reject(error)),
      );
    }
  }
}

/**
 * A line's fingerprint for the repeats filter: 53 bits of cyrb53 over the text as a viewer
 * would compare it (trimmed, lower-cased, each run of whitespace one space; whitespace as
 * JavaScript's `\s`), in one pass without building the normalised string. Two different
 * lines share a fingerprint with odds of about 2⁻⁵³, and only the same viewer's consecutive
 * lines are compared; a crafted collision only gets its own author a strike. Not a hash
 * for secrets: nothing here is one.
 */
export function lineFingerprint(text: string): string {
  const lower = text.toLowerCase();
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  let pendingSpace = false;
  let started = false;
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    if (isWhitespace(code)) {
      pendingSpace = started;
      continue;
    }
    if (pendingSpace) {
      h1 = Math.imul(h1 ^ 32, 2654435761);
      h2 = Math.imul(h2 ^ 32, 1597334677);
      pendingSpace = false;
    }
    started = true;
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), which `trim()` also strips. */
function isWhitespace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}
