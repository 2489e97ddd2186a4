import type { SlotLimiter, WindowLimit } from '@parley/ingest';

/** Twitch's JOIN limit of an account: `count` JOINs per `perMs`. */
export type JoinRateLimit = WindowLimit;

/**
 * Where JOIN slots come from. Twitch's JOIN limit is per bot account, so pods (and the
 * connections of one pod) that share an account must share one budget: `SharedJoinBudget`
 * keeps it in Redis. `LocalJoinBudget` is the in-process window for a lone connection.
 */
export interface JoinBudget {
  /** Takes a slot: 0 when a JOIN may be written now, else ms to wait before asking again. */
  take(): Promise<number>;
}

/** An in-memory sliding window: right for one connection that is alone on its account. */
export class LocalJoinBudget implements JoinBudget {
  private readonly sentAt: number[] = [];

  constructor(
    private readonly limit: JoinRateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.count >= 1 && limit.perMs > 0)) throw new RangeError('joinRateLimit needs count >= 1 and perMs > 0');
  }

  async take(): Promise<number> {
    const now = this.now();
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - this.limit.perMs) this.sentAt.shift();
    if (this.sentAt.length < this.limit.count) {
      this.sentAt.push(now);
      return 0;
    }
    return Math.max(1, this.sentAt[0]! + this.limit.perMs - now);
  }
}

/**
 * Client-side queue for JOINs: Twitch silences an account that joins faster than its
 * limit (20 per 10 s), so channels wait here for a slot of the budget instead of being
 * refused there. A slot is taken only while the connection can write the JOIN.
 */
export class JoinThrottle {
  private readonly queue: string[] = [];
  private pumping = false;
  private cleared = new AbortController();

  constructor(
    private readonly budget: JoinBudget,
    /** Whether a JOIN could be written now (the connection is welcomed). */
    private readonly canWrite: () => boolean,
    private readonly send: (channel: string) => void,
    /** How long to wait before asking again when the budget itself fails (Redis down). */
    private readonly retryMs = 1_000,
  ) {}

  enqueue(channel: string): void {
    if (!this.queue.includes(channel)) this.queue.push(channel);
    void this.pump();
  }

  remove(channel: string): void {
    const index = this.queue.indexOf(channel);
    if (index !== -1) this.queue.splice(index, 1);
  }

  /** Drops everything queued (the connection is gone; it re-enqueues on reconnect). */
  clear(): void {
    this.queue.length = 0;
    this.cleared.abort();
    this.cleared = new AbortController();
  }

  get queued(): readonly string[] {
    return this.queue;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.canWrite()) {
        const { signal } = this.cleared;
        const waitMs = await this.budget.take().catch(() => this.retryMs);
        if (waitMs > 0) {
          await pause(waitMs, signal);
          continue;
        }
        const channel = this.queue.shift();
        // Cleared or disconnected while the slot was being taken: the slot is spent, the JOIN is not.
        if (channel !== undefined && this.canWrite()) this.send(channel);
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** Resolves after `ms`, or at once when the queue is cleared (global timers, so tests can fake them). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The JOIN budget of a bot account across every connection and pod that uses it, in a
 * Redis sliding window (`SlidingWindowRateLimiter`): three pods rejoining after a
 * rebalance together stay inside the account's limit.
 */
export class SharedJoinBudget implements JoinBudget {
  constructor(
    private readonly limiter: SlotLimiter,
    private readonly account: string,
    private readonly limit: JoinRateLimit,
  ) {
    if (!(limit.count >= 1 && limit.perMs > 0)) throw new RangeError('joinRateLimit needs count >= 1 and perMs > 0');
  }

  async take(): Promise<number> {
    const decision = await this.limiter.acquire(`twitch-join:${this.account.toLowerCase()}`, this.limit.count, this.limit.perMs);
    return decision.allowed ? 0 : Math.max(1, decision.retryAfterMs);
  }
}
