import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, type BusEntry } from '@parley/bus';
import { ContractError, decodeChatAction, type ChatAction, type StreamKeys } from '@parley/contracts';
import type { SlidingWindowRateLimiter } from '@parley/resilience';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { TwitchChatClient } from './connection-pool.js';

export interface TwitchActionDeliveryOptions {
  botLogin: string;
  /** An answer to an event older than this is dropped and counted, not sent late. */
  maxActionAgeMs: number;
  /** How long one action may wait for send budget before it is handed back to the bus. */
  sendWaitMs: number;
  /** Twitch: 20 messages per 30 s in a channel where the bot is not moderator, 100 where it is. */
  sendLimit: { count: number; moderatorCount: number; perMs: number };
  /** How long a sent action id is remembered, so a redelivered action is not sent again. */
  sentTtlSeconds: number;
  /** Twitch refuses a line equal to the bot's previous one in the channel within this time (msg_duplicate). */
  duplicateWindowMs: number;
  /** Channels whose last line is remembered at most (least recently answered out first). */
  maxRememberedChannels: number;
}

export const DefaultTwitchActionDeliveryOptions: Omit<TwitchActionDeliveryOptions, 'botLogin'> = {
  maxActionAgeMs: 60_000,
  sendWaitMs: 5_000,
  sendLimit: { count: 20, moderatorCount: 100, perMs: 30_000 },
  sentTtlSeconds: 3_600,
  duplicateWindowMs: 30_000,
  maxRememberedChannels: 10_000,
};

/** The send budget is spent; the action stays pending and is retried when it is reclaimed. */
export class SendBudgetExhaustedError extends Error {
  override readonly name = 'SendBudgetExhaustedError';
  constructor(readonly channel: string, readonly retryAfterMs: number) {
    super(`send budget for #${channel} exhausted; retry in ${retryAfterMs} ms`);
  }
}

type DeliveryOutcome = 'delivered' | 'expired' | 'duplicate' | 'deferred';

interface TwitchActionDeliveryEvents {
  delivered: [{ outcome: DeliveryOutcome; kind: ChatAction['kind'] }];
}

/**
 * Sends `twitch` actions into chat, exactly once as far as Twitch lets anyone know:
 * a sent-mark per action id stops redeliveries, a sliding-window limit in Redis keeps the
 * bot account inside Twitch's per-channel budget across all pods, and actions whose
 * event is too old are dropped and counted instead of answering late.
 */
export class TwitchActionDelivery extends EventEmitter<TwitchActionDeliveryEvents> {
  private readonly options: TwitchActionDeliveryOptions;
  /**
   * Twitch refuses the same text twice within 30 s (msg_duplicate); alternate a suffix.
   * A line older than the window no longer matters, so memory holds only channels answered
   * within it, and never more than `maxRememberedChannels`.
   */
  private readonly lastText: LRUCache<string, string>;

  constructor(
    private readonly connection: TwitchChatClient,
    private readonly redis: Redis,
    private readonly limiter: SlidingWindowRateLimiter,
    private readonly keys: StreamKeys,
    options: Pick<TwitchActionDeliveryOptions, 'botLogin'> & Partial<TwitchActionDeliveryOptions>,
  ) {
    super();
    this.options = { ...DefaultTwitchActionDeliveryOptions, ...options };
    this.lastText = new LRUCache({ max: this.options.maxRememberedChannels, ttl: this.options.duplicateWindowMs, ttlAutopurge: true });
  }

  /** Channels whose last line is remembered now. */
  get rememberedChannels(): number {
    return this.lastText.size;
  }

  async handle(entry: BusEntry): Promise<void> {
    let action: ChatAction;
    try {
      action = decodeChatAction(entry.payload);
    } catch (error) {
      if (error instanceof ContractError) throw new PermanentError(error.reason);
      throw error;
    }
    if (action.platform !== 'twitch') throw new PermanentError(`action for ${action.platform} on the twitch stream`);
    if (action.kind !== 'say' && action.kind !== 'reply') {
      // Twitch retired /delete and /timeout over IRC; they need the Helix API transport.
      throw new PermanentError(`action kind ${action.kind} is not supported over Twitch IRC`);
    }
    const report = (outcome: DeliveryOutcome) => this.emit('delivered', { outcome, kind: action.kind });

    if (action.eventReceivedAt && Date.now() - Date.parse(action.eventReceivedAt) > this.options.maxActionAgeMs) {
      return void report('expired');
    }
    const sentKey = this.keys.key('sent', action.id);
    if (await this.redis.exists(sentKey)) return void report('duplicate');

    const channel = action.channel.name.toLowerCase();
    await this.waitForBudget(channel).catch((error: unknown) => {
      if (error instanceof SendBudgetExhaustedError) report('deferred');
      throw error;
    });
    this.connection.say(channel, this.avoidDuplicateText(channel, action.text), {
      replyTo: action.kind === 'reply' ? action.targetMessageId : undefined,
    });
    await this.redis.set(sentKey, '1', 'EX', this.options.sentTtlSeconds);
    report('delivered');
  }

  private async waitForBudget(channel: string): Promise<void> {
    const { sendLimit, sendWaitMs, botLogin } = this.options;
    const limit = this.connection.isModeratorIn(channel) ? sendLimit.moderatorCount : sendLimit.count;
    const deadline = Date.now() + sendWaitMs;
    for (;;) {
      const slot = await this.limiter.acquire(`twitch:send:${botLogin}:${channel}`, limit, sendLimit.perMs);
      if (slot.allowed) return;
      if (Date.now() + slot.retryAfterMs > deadline) throw new SendBudgetExhaustedError(channel, slot.retryAfterMs);
      await sleep(slot.retryAfterMs);
    }
  }

  private avoidDuplicateText(channel: string, text: string): string {
    // U+E0000 is invisible in Twitch clients and makes the line differ from the last one.
    const variant = this.lastText.get(channel) === text ? `${text} \u{E0000}` : text;
    this.lastText.set(channel, variant);
    return variant;
  }
}
