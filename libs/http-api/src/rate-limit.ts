import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A limit of `limit` requests per `windowMs` for one kind of subject (an API key, an IP). */
export interface RateLimitRule {
  /** Names the rule in Redis keys, e.g. `key` or `ip`. */
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

const HIT_WINDOWS = 'parleyHitWindows';
const hitWindowsLua = readFileSync(new URL('./hitWindows-N.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [HIT_WINDOWS](keyCount: number, ...keysThenWindows: Array<string | number>): Promise<number[]> };

/** One request counted against `rule` for `subject` (an API key, an IP). */
export interface RateLimitHit {
  rule: RateLimitRule;
  subject: string;
}

/**
 * Fixed-window request limits in Redis, shared by every replica: one `INCR` per rule and
 * request, all of a request's rules in one script call on a single Redis. Cheaper than a
 * sliding log (one key, no per-request members), at the price of allowing up to twice
 * the limit across a window boundary — fine for API quotas.
 */
export class RequestRateLimiter {
  private readonly redis: ScriptedRedis;
  /** A Redis Cluster puts each counter in its own slot: one script call per counter there. */
  private readonly oneCallPerCounter: boolean;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand(HIT_WINDOWS, { lua: hitWindowsLua });
    this.redis = redis as ScriptedRedis;
    this.oneCallPerCounter = redis.isCluster;
  }

  async hit(rule: RateLimitRule, subject: string): Promise<RateLimitState> {
    return (await this.hitAll([{ rule, subject }]))[0]!;
  }

  /**
   * Counts one request against every rule in one round trip: one script call over every
   * counter on a single Redis; on a Cluster one call per counter, sent together.
   */
  async hitAll(hits: readonly RateLimitHit[]): Promise<RateLimitState[]> {
    if (this.oneCallPerCounter && hits.length > 1) return Promise.all(hits.map(({ rule, subject }) => this.hit(rule, subject)));
    const reply = await this.redis[HIT_WINDOWS](
      hits.length,
      ...hits.map(({ rule, subject }) => `${this.keyPrefix}:${rule.name}:${subject}`),
      ...hits.map(({ rule }) => rule.windowMs),
    );
    return hits.map(({ rule }, index) => {
      const count = Number(reply[2 * index]);
      return {
        allowed: count <= rule.limit,
        limit: rule.limit,
        remaining: Math.max(0, rule.limit - count),
        resetSeconds: Math.max(1, Math.ceil(Number(reply[2 * index + 1]) / 1_000)),
      };
    });
  }
}

/** The tightest of several limits: the one with the fewest requests left (refused first). */
export function tightest(states: readonly RateLimitState[]): RateLimitState {
  return states.reduce((worst, state) =>
    Number(state.allowed) < Number(worst.allowed) || (state.allowed === worst.allowed && state.remaining < worst.remaining) ? state : worst,
  );
}

/**
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF draft
 * httpapi-ratelimit-headers, seconds) and, when refused, `Retry-After`.
 */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(state.limit),
    'ratelimit-remaining': String(state.remaining),
    'ratelimit-reset': String(state.resetSeconds),
  };
  if (!state.allowed) headers['retry-after'] = String(state.resetSeconds);
  return headers;
}
