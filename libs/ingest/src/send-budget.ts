import type { ActionKind } from '@parley/contracts';

/** A window limit: `count` sends per `perMs`. */
export interface WindowLimit {
  count: number;
  perMs: number;
}

/** Moderation (delete, timeout) goes ahead of chat: chat may not take the slots kept for it. */
export type SendLane = 'moderation' | 'chat';

/** The slice of `@parley/resilience`'s RateLimiter a budget needs. */
export interface SlotLimiter {
  acquire(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
}

export interface SendBudgetOptions {
  /** Limit of one identity in one channel; the function form decides per channel (Twitch: 100 where the bot moderates). */
  perChannel: WindowLimit | ((channel: string) => WindowLimit);
  /** Limit of one identity over all channels, when the platform has one. */
  perIdentity?: WindowLimit;
  /** Slots of each channel window that only the moderation lane may take. */
  moderationReserve: number;
}

export const DefaultSendBudgetOptions: Pick<SendBudgetOptions, 'moderationReserve'> = { moderationReserve: 2 };

/**
 * How many messages a bot identity may send, counted in Redis across every pod: a window
 * per channel and, optionally, one per identity. Two lanes: moderation actions may use a
 * whole channel window, chat replies all of it but `moderationReserve` slots, so a flood
 * of answers never delays a timeout.
 */
export class SendBudget {
  private readonly options: SendBudgetOptions;

  constructor(
    private readonly limiter: SlotLimiter,
    /** Builds the limiter key of an identity (and channel): `IngestKeys.sendBudget`. */
    private readonly keyOf: (identity: string, channel?: string) => string,
    options: Pick<SendBudgetOptions, 'perChannel'> & Partial<SendBudgetOptions>,
  ) {
    this.options = { ...DefaultSendBudgetOptions, ...options };
    if (!Number.isInteger(this.options.moderationReserve) || this.options.moderationReserve < 0) {
      throw new RangeError('moderationReserve must be a non-negative integer');
    }
  }

  static laneOf(kind: ActionKind): SendLane {
    return kind === 'delete' || kind === 'timeout' ? 'moderation' : 'chat';
  }

  /** Takes one slot: 0 when the message may go now, else ms to wait before asking again. */
  async take(identity: string, channel: string, lane: SendLane): Promise<number> {
    const { perIdentity, moderationReserve } = this.options;
    const channelLimit = typeof this.options.perChannel === 'function' ? this.options.perChannel(channel) : this.options.perChannel;
    const count = lane === 'moderation' ? channelLimit.count : Math.max(1, channelLimit.count - moderationReserve);
    const inChannel = await this.limiter.acquire(this.keyOf(identity, channel), count, channelLimit.perMs);
    if (!inChannel.allowed) return Math.max(1, inChannel.retryAfterMs);
    if (perIdentity) {
      // Checked second: a slot of the channel is wasted when the identity is out, never the other way round.
      const overall = await this.limiter.acquire(this.keyOf(identity), perIdentity.count, perIdentity.perMs);
      if (!overall.allowed) return Math.max(1, overall.retryAfterMs);
    }
    return 0;
  }
}
