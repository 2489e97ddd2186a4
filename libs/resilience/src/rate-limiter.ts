import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The answer to "may I act now?" under a rate limit. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Slots left in the current window (after this acquisition, for `acquire`). */
  remaining: number;
  /** 0 when allowed; otherwise how long until a slot frees up, in ms. */
  retryAfterMs: number;
}

/** A rate limit shared by every process that uses the same key. */
export interface RateLimiter {
  /** Takes a slot of `limit` per `windowMs` under `key` if one is free. */
  acquire(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  /** Whether `acquire` would be allowed now, without taking a slot. */
  peek(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

export interface SlidingWindowRateLimiterOptions {
  /** Namespace of the Redis keys: a limit `key` is stored at `<keyPrefix>:<key>`. */
  keyPrefix: string;
}

export const DefaultSlidingWindowRateLimiterOptions: SlidingWindowRateLimiterOptions = { keyPrefix: 'parley:ratelimit' };

export interface SlidingWindowRateLimiterEvents {
  /** An acquisition was refused. */
  rateLimited: [info: { key: string; limit: number; windowMs: number; retryAfterMs: number }];
}

const ACQUIRE_SLOT = 'parleyAcquireSlot';
const PEEK_SLOTS = 'parleyPeekSlots';
const acquireSlotLua = readFileSync(new URL('./acquireSlot-1.lua', import.meta.url), 'utf8');
const peekSlotsLua = readFileSync(new URL('./peekSlots-1.lua', import.meta.url), 'utf8');

type SlotReply = [allowed: number, remaining: number, retryAfterMs: number];
type ScriptedRedis = Redis & {
  [ACQUIRE_SLOT](key: string, limit: number, windowMs: number, member: string): Promise<SlotReply>;
  [PEEK_SLOTS](key: string, limit: number, windowMs: number): Promise<SlotReply>;
};

/**
 * Exact sliding-window-log rate limit in Redis: at most `limit` acquisitions in any
 * `windowMs`, across any number of processes and pods (one Lua script per call, clock
 * from Redis TIME). Memory is one sorted-set member per acquisition in the window, so it
 * suits limits of up to a few thousand per window (Twitch: 20 or 100 per 30 s).
 */
export class SlidingWindowRateLimiter extends EventEmitter<SlidingWindowRateLimiterEvents> implements RateLimiter {
  private readonly options: SlidingWindowRateLimiterOptions;
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis, options: Partial<SlidingWindowRateLimiterOptions> = {}) {
    super();
    this.options = { ...DefaultSlidingWindowRateLimiterOptions, ...options };
    redis.defineCommand(ACQUIRE_SLOT, { numberOfKeys: 1, lua: acquireSlotLua });
    redis.defineCommand(PEEK_SLOTS, { numberOfKeys: 1, lua: peekSlotsLua });
    this.redis = redis as ScriptedRedis;
  }

  async acquire(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    validate(limit, windowMs);
    const decision = toDecision(await this.redis[ACQUIRE_SLOT](this.redisKey(key), limit, windowMs, randomUUID()));
    if (!decision.allowed) this.emit('rateLimited', { key, limit, windowMs, retryAfterMs: decision.retryAfterMs });
    return decision;
  }

  async peek(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    validate(limit, windowMs);
    return toDecision(await this.redis[PEEK_SLOTS](this.redisKey(key), limit, windowMs));
  }

  private redisKey(key: string): string {
    return `${this.options.keyPrefix}:${key}`;
  }
}

function validate(limit: number, windowMs: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
}

function toDecision([allowed, remaining, retryAfterMs]: SlotReply): RateLimitDecision {
  return { allowed: Number(allowed) === 1, remaining: Number(remaining), retryAfterMs: Number(retryAfterMs) };
}
