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

const HIT_WINDOW = 'parleyHitWindow';
const hitWindowLua = readFileSync(new URL('./hitWindow-1.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [HIT_WINDOW](key: string, windowMs: number): Promise<[number, number]> };

/**
 * Fixed-window request limits in Redis, shared by every replica: one `INCR` script per
 * rule and request. Cheaper than a sliding log (one key, no per-request members), at the
 * price of allowing up to twice the limit across a window boundary — fine for API quotas.
 */
export class RequestRateLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand(HIT_WINDOW, { numberOfKeys: 1, lua: hitWindowLua });
    this.redis = redis as ScriptedRedis;
  }

  async hit(rule: RateLimitRule, subject: string): Promise<RateLimitState> {
    const [count, resetMs] = await this.redis[HIT_WINDOW](`${this.keyPrefix}:${rule.name}:${subject}`, rule.windowMs);
    return {
      allowed: Number(count) <= rule.limit,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - Number(count)),
      resetSeconds: Math.max(1, Math.ceil(Number(resetMs) / 1_000)),
    };
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
