import { readFileSync } from 'node:fs';
import { CommandKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';

export interface ChargeRequest {
  /** The chat event running the command: the unit of idempotency. */
  eventId: string;
  communityId: string;
  command: string;
  userId: string;
  globalCooldownMs: number;
  userCooldownMs: number;
  bypassCooldown: boolean;
  /** Increment the command's counter (its response uses `$(count)`). */
  count: boolean;
}

export type ChargeResult =
  | { charged: true; count: number | null }
  | { charged: false; scope: 'global' | 'user'; retryAfterMs: number };

export interface CommandLedgerOptions {
  /** Prefix of every key the ledger writes, e.g. `parley`. */
  keyPrefix: string;
  /** How long an event's charge is remembered; must outlive its redeliveries. */
  chargeTtlSeconds: number;
}

const CHARGE = 'parleyChargeCommand';
const chargeLua = readFileSync(new URL('./chargeCommand-4.lua', import.meta.url), 'utf8');
const SPEND_BUDGET = 'parleySpendBudget';
const spendBudgetLua = readFileSync(new URL('./spendBudget-1.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  [CHARGE](...keysAndArgs: (string | number)[]): Promise<[string, string | number, number?]>;
  [SPEND_BUDGET](key: string, windowMs: number): Promise<number>;
};

/**
 * Cooldowns and counters of commands, kept in Redis so any number of routers act as one.
 * A run is charged atomically and at most once per event (chargeCommand-4.lua); the
 * caller charges only after the permission checks passed, so a viewer who may not run a
 * command never starts its cooldown for everyone else.
 */
export class CommandLedger {
  private readonly redis: ScriptedRedis;
  private readonly keys: CommandKeys;

  constructor(
    redis: Redis,
    private readonly options: CommandLedgerOptions,
  ) {
    redis.defineCommand(CHARGE, { numberOfKeys: 4, lua: chargeLua });
    redis.defineCommand(SPEND_BUDGET, { numberOfKeys: 1, lua: spendBudgetLua });
    this.redis = redis as ScriptedRedis;
    this.keys = new CommandKeys(options.keyPrefix);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const { communityId, command } = request;
    const [status, second, third] = await this.redis[CHARGE](
      this.keys.cooldown(communityId, command),
      this.keys.userCooldown(communityId, command, request.userId),
      this.keys.count(communityId, command),
      this.keys.charged(communityId, command, request.eventId),
      request.globalCooldownMs,
      request.userCooldownMs,
      request.bypassCooldown ? '1' : '0',
      request.count ? '1' : '0',
      this.options.chargeTtlSeconds,
    );
    if (status === 'ok') return { charged: true, count: Number(second) < 0 ? null : Number(second) };
    return { charged: false, scope: second === 'user' ? 'user' : 'global', retryAfterMs: Number(third) };
  }

  /**
   * Spends one answer of an author's budget: true while the author has had fewer than
   * `limit` answers in the current window. A fixed window (spendBudget-1.lua: INCR, and
   * PEXPIRE on the first unit) rather than a sliding log: it is a loop guard, so a burst of
   * up to twice the limit at a window edge is harmless, and it costs two O(1) commands.
   */
  async spendAnswerBudget(communityId: string, authorKey: string, limit: number, windowMs: number): Promise<boolean> {
    return (await this.redis[SPEND_BUDGET](this.keys.answers(communityId, authorKey), windowMs)) <= limit;
  }

  /**
   * Whether a viewer may be told about a cooldown now: at most one notice per viewer and
   * community every `intervalSeconds`, so the notices cannot become spam themselves.
   */
  async claimCooldownNotice(communityId: string, userId: string, intervalSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.keys.cooldownNotice(communityId, userId), '1', 'EX', intervalSeconds, 'NX')) === 'OK';
  }

  /** The counter's current value (0 when never run). */
  async count(communityId: string, command: string): Promise<number> {
    return Number((await this.redis.get(this.keys.count(communityId, command))) ?? 0);
  }
}
