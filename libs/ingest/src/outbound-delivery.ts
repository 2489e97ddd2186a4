import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { LuaScripts, PermanentError, type BusEntry } from '@parley/bus';
import { ContractError, decodeChatAction, type ActionKind, type ChatAction } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { PlatformAdapter, SendOutcome } from './adapter.js';
import { IngestError, NotConnectedError, SendBudgetExhaustedError, SendDeferredError, UnsupportedActionError } from './errors.js';
import type { IngestKeys } from './ingest-keys.js';
import { SendBudget } from './send-budget.js';

/**
 * What becomes of an action found marked "being sent" by a process that died (or a send
 * the platform never confirmed): `drop` = at most once (the default for chat replies: a
 * missing answer is better than a doubled one), `resend` = at least once.
 */
export type AmbiguousPolicy = 'drop' | 'resend';

export interface RequiredOutboundDeliveryOptions {
  /** The bot identity that sends (Twitch: the bot login). */
  identity: string;
}

export interface OptionalOutboundDeliveryOptions {
  /** An answer to an event older than this is dropped and counted, not sent late. */
  maxActionAgeMs: number;
  /** How long one action may wait for budget or a "later" refusal in process before it is handed back to the bus. */
  sendWaitMs: number;
  /** How long the platform has to confirm a send before its outcome counts as unknown. */
  confirmTimeoutMs: number;
  /** How long an action's delivery state is kept (longer than any redelivery can come). */
  deliveryStateTtlSeconds: number;
  onAmbiguous: AmbiguousPolicy;
  /**
   * Platforms that refuse the same text twice in a row (Twitch: msg_duplicate within 30 s):
   * the invisible `suffix` that makes a repeat differ and the `windowMs` in which it matters.
   */
  repeatRefusal: { suffix: string; windowMs: number } | undefined;
  /** Different texts tried after duplicate refusals before the action is handed back. */
  maxVariantAttempts: number;
}

export type OutboundDeliveryOptions = RequiredOutboundDeliveryOptions & Partial<OptionalOutboundDeliveryOptions>;

export const DefaultOutboundDeliveryOptions: OptionalOutboundDeliveryOptions = {
  maxActionAgeMs: 60_000,
  sendWaitMs: 5_000,
  confirmTimeoutMs: 10_000,
  deliveryStateTtlSeconds: 3_600,
  onAmbiguous: 'drop',
  repeatRefusal: undefined,
  maxVariantAttempts: 3,
};

/** What became of one action (or of one attempt: `retried`); the app turns these into metrics. */
export type DeliveryOutcome =
  | { outcome: 'sent'; kind: ActionKind; connection: number }
  | { outcome: 'refused'; kind: ActionKind; reason: string }
  | { outcome: 'retried'; kind: ActionKind; reason: string }
  | { outcome: 'ambiguous'; kind: ActionKind; reason: string }
  | { outcome: 'expired'; kind: ActionKind }
  | { outcome: 'duplicate'; kind: ActionKind }
  | { outcome: 'deferred'; kind: ActionKind; reason: string };

interface OutboundDeliveryEvents {
  outcome: [DeliveryOutcome];
}

type BeginReply = [verdict: 'go' | 'resumed' | 'ambiguous' | 'settled', value: string];
/** One attempt's end: done, or wait this long (outside the connection's lane) and try again. */
type Attempt = { done: true } | { done: false; retryAfterMs: number; reason: string };

/**
 * Delivers actions from the bus into a platform's chat, effectively once (ADR 0002):
 *
 * 1. budget: a slot of the identity's channel window (moderation lane first);
 * 2. one message in flight per connection: the rest wait in that connection's lane;
 * 3. `beginSend-2.lua` marks the action `sending` durably BEFORE the send and picks a text
 *    that differs from the channel's last line when the platform refuses repeats;
 * 4. send, then wait for the platform's confirmation;
 * 5. `settleSend-1.lua` marks it `sent` — or `refused` (dead-letter stream with the
 *    platform's reason), or released for a retry with a reason.
 *
 * A crash between 3 and 5 leaves the action `sending`; whoever finds it applies the one
 * written policy (`onAmbiguous`). So the duplicate window is one message per connection.
 */
export class OutboundDelivery extends EventEmitter<OutboundDeliveryEvents> {
  private readonly options: RequiredOutboundDeliveryOptions & OptionalOutboundDeliveryOptions;
  private readonly scripts: LuaScripts<'beginSend' | 'settleSend'>;
  private readonly lanes = new ConnectionLanes();

  constructor(
    private readonly adapter: PlatformAdapter,
    private readonly redis: Redis,
    private readonly keys: IngestKeys,
    private readonly budget: SendBudget,
    options: OutboundDeliveryOptions,
  ) {
    super();
    this.options = { ...DefaultOutboundDeliveryOptions, ...options };
    this.scripts = new LuaScripts(redis, new URL('.', import.meta.url), ['beginSend-2.lua', 'settleSend-1.lua']);
  }

  /** A `BusHandler` for the platform's action stream. */
  async handle(entry: BusEntry): Promise<void> {
    let action: ChatAction;
    try {
      action = decodeChatAction(entry.payload);
    } catch (error) {
      if (error instanceof ContractError) throw new PermanentError(error.reason);
      throw error;
    }
    const { platform } = this.adapter;
    if (action.platform !== platform) throw new PermanentError(`action for ${action.platform} on the ${platform} stream`);
    const { kind } = action;
    if (action.eventReceivedAt && Date.now() - Date.parse(action.eventReceivedAt) > this.options.maxActionAgeMs) {
      return this.report({ outcome: 'expired', kind });
    }
    const state = await this.redis.get(this.keys.delivery(action));
    if (state !== null && !state.startsWith('sending:')) return this.report({ outcome: 'duplicate', kind });

    const deadline = Date.now() + this.options.sendWaitMs;
    for (;;) {
      await this.takeBudget(action, deadline);
      const connection = this.adapter.connectionFor(action.channel.name);
      if (connection === undefined) {
        this.report({ outcome: 'deferred', kind, reason: 'not_connected' });
        throw new NotConnectedError(action.channel.name);
      }
      // A redelivered action is older than anything read since: it goes first.
      const attempt = await this.lanes.run(connection, entry.deliveryCount > 1, () => this.attempt(action, connection));
      if (attempt.done) return;
      if (Date.now() + attempt.retryAfterMs > deadline) {
        this.report({ outcome: 'deferred', kind, reason: attempt.reason });
        throw new SendDeferredError(attempt.reason, attempt.retryAfterMs);
      }
      await sleep(attempt.retryAfterMs);
    }
  }

  private async takeBudget(action: ChatAction, deadline: number): Promise<void> {
    const channel = action.channel.name;
    for (;;) {
      const waitMs = await this.budget.take(this.options.identity, channel, SendBudget.laneOf(action.kind));
      if (waitMs === 0) return;
      if (Date.now() + waitMs > deadline) {
        this.report({ outcome: 'deferred', kind: action.kind, reason: 'send_budget' });
        throw new SendBudgetExhaustedError(channel, waitMs);
      }
      await sleep(waitMs);
    }
  }

  /** One attempt inside the connection's lane: mark, send, confirm, settle. */
  private async attempt(action: ChatAction, connection: number): Promise<Attempt> {
    const { kind } = action;
    const mark = this.keys.delivery(action);
    const token = randomUUID();
    const { deliveryStateTtlSeconds: ttl, onAmbiguous, repeatRefusal, maxVariantAttempts, confirmTimeoutMs } = this.options;
    const lastText = this.keys.lastText(this.adapter.platform, this.options.identity, action.channel.name);
    const settle = (outcome: 'sent' | 'refused' | 'ambiguous' | 'release') => this.scripts.run<number>('settleSend', [mark], [token, outcome, ttl]);

    for (let variants = 1; ; variants++) {
      const [verdict, value] = await this.scripts.run<BeginReply>('beginSend', [mark, lastText], [
        token,
        ttl,
        onAmbiguous,
        action.text,
        repeatRefusal?.suffix ?? '',
        repeatRefusal?.windowMs ?? 1,
      ]);
      if (verdict === 'settled') return this.done({ outcome: 'duplicate', kind });
      if (verdict === 'ambiguous') return this.ambiguous(kind, 'found being sent by a process that stopped');
      if (verdict === 'resumed') this.report({ outcome: 'retried', kind, reason: 'resumed_after_crash' });

      let outcome: SendOutcome;
      try {
        const pending = await this.adapter.send(
          {
            kind,
            channel: action.channel.name,
            channelId: action.channel.id,
            text: value,
            ...(action.targetMessageId !== undefined && { targetMessageId: action.targetMessageId }),
            ...(action.targetUserId !== undefined && { targetUserId: action.targetUserId }),
            ...(action.durationSeconds !== undefined && { durationSeconds: action.durationSeconds }),
          },
          connection,
        );
        outcome = await this.adapter.confirm(pending, confirmTimeoutMs);
      } catch (error) {
        if (error instanceof UnsupportedActionError) {
          await settle('refused');
          this.report({ outcome: 'refused', kind, reason: error.code });
          throw new PermanentError(error.message, { cause: error });
        }
        // Nothing was written (not connected, or the adapter failed before the write): safe to try again.
        await settle('release');
        if (error instanceof IngestError && error.retryable) return { done: false, retryAfterMs: error.retryAfterMs ?? 0, reason: error.code };
        throw error;
      }

      switch (outcome.status) {
        case 'accepted':
          await settle('sent');
          return this.done({ outcome: 'sent', kind, connection });
        case 'unknown':
          if (onAmbiguous === 'drop') {
            await settle('ambiguous');
            return this.ambiguous(kind, outcome.reason);
          }
          await settle('release');
          this.report({ outcome: 'retried', kind, reason: outcome.reason });
          return { done: false, retryAfterMs: 0, reason: outcome.reason };
        case 'refused':
          if (outcome.retry === 'variant' && repeatRefusal && variants < maxVariantAttempts) {
            // The platform holds `value` as our last line: remember it for every pod, pick another.
            await this.redis.set(lastText, value, 'PX', repeatRefusal.windowMs);
            this.report({ outcome: 'retried', kind, reason: outcome.reason });
            continue;
          }
          if (outcome.retry === 'never') {
            await settle('refused');
            this.report({ outcome: 'refused', kind, reason: outcome.reason });
            throw new PermanentError(`refused by ${this.adapter.platform}: ${outcome.reason}`);
          }
          await settle('release');
          this.report({ outcome: 'retried', kind, reason: outcome.reason });
          return { done: false, retryAfterMs: outcome.retryAfterMs ?? 1_000, reason: outcome.reason };
      }
    }
  }

  /** Counted, and written to the dead-letter stream with the reason: never lost silently. */
  private ambiguous(kind: ActionKind, reason: string): never {
    this.report({ outcome: 'ambiguous', kind, reason });
    throw new PermanentError(`ambiguous: ${reason}; not re-sent (at most once)`);
  }

  private done(outcome: DeliveryOutcome): Attempt {
    this.report(outcome);
    return { done: true };
  }

  private report(outcome: DeliveryOutcome): void {
    this.emit('outcome', outcome);
  }

}

interface Lane {
  busy: boolean;
  urgent: Array<() => void>;
  normal: Array<() => void>;
}

/**
 * One send at a time per connection, so at most one message per connection is ever between
 * its `sending` mark and its confirmation. Urgent tasks (actions taken over from a dead
 * consumer) go before the others: they are the oldest, and a crash loop must not keep
 * pushing them back until they run out of deliveries.
 */
class ConnectionLanes {
  private readonly lanes = new Map<number, Lane>();

  async run<T>(connection: number, urgent: boolean, task: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(connection);
    if (!lane) this.lanes.set(connection, (lane = { busy: false, urgent: [], normal: [] }));
    if (lane.busy) await new Promise<void>((resolve) => (urgent ? lane.urgent : lane.normal).push(resolve));
    lane.busy = true;
    try {
      return await task();
    } finally {
      // Hand the lane straight to the next task, or free it.
      const next = lane.urgent.shift() ?? lane.normal.shift();
      if (next) next();
      else this.lanes.delete(connection);
    }
  }
}
