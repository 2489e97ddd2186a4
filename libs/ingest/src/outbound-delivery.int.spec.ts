import { randomUUID } from 'node:crypto';
import { PermanentError, type BusEntry } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction, type ChatEvent } from '@parley/contracts';
import { SlidingWindowRateLimiter } from '@parley/resilience';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutboundMessage, PendingSend, PlatformAdapter, SendOutcome } from './adapter.js';
import { SendBudgetExhaustedError, SendDeferredError } from './errors.js';
import { IngestKeys } from './ingest-keys.js';
import { OutboundDelivery, type DeliveryOutcome, type OutboundDeliveryOptions } from './outbound-delivery.js';
import { SendBudget, type WindowLimit } from './send-budget.js';

const prefix = uniquePrefix('ingest-delivery');
const keys = new StreamKeys(prefix, 1);
const ingestKeys = new IngestKeys(keys);
const redis = new Redis(redisUrl());

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

/**
 * A chat platform shaped like an HTTP API (YouTube, Discord, Slack): the send request
 * returns the created message, or an error code. Answers are scripted per text; everything
 * sent is recorded with how many sends were in flight at once.
 */
class HttpLikePlatform implements PlatformAdapter<never> {
  readonly platform = 'youtube' as const;
  readonly created: OutboundMessage[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly answers: Map<string, SendOutcome[]> = new Map()) {}
  async connect(): Promise<void> {}
  async join(): Promise<void> {}
  async part(): Promise<void> {}
  async close(): Promise<void> {}
  read(): void {}
  normalize(): ChatEvent | null | undefined {
    return undefined;
  }
  describe(): string {
    return '';
  }
  connectionFor(): number {
    return 0;
  }
  async send(message: OutboundMessage, connection: number): Promise<PendingSend & { outcome: SendOutcome }> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight--;
    const outcome = this.answers.get(message.text)?.shift() ?? { status: 'accepted', platformMessageId: randomUUID() };
    if (outcome.status === 'accepted') this.created.push(message);
    return { connection, outcome };
  }
  async confirm(pending: PendingSend): Promise<SendOutcome> {
    return (pending as PendingSend & { outcome: SendOutcome }).outcome;
  }
}

function setUp(platform: HttpLikePlatform, options: Partial<OutboundDeliveryOptions> = {}, perChannel: WindowLimit = { count: 1_000, perMs: 60_000 }) {
  const budget = new SendBudget(new SlidingWindowRateLimiter(redis, { keyPrefix: keys.key('ratelimit') }), (identity, channel) => ingestKeys.sendBudget('youtube', identity, channel), {
    perChannel,
    moderationReserve: 0,
  });
  const delivery = new OutboundDelivery(platform, redis, ingestKeys, budget, { identity: `bot-${randomUUID()}`, ...options });
  const outcomes: DeliveryOutcome[] = [];
  delivery.on('outcome', (outcome) => outcomes.push(outcome));
  return { delivery, outcomes };
}

function entry(text: string, overrides: Partial<ChatAction> = {}): BusEntry {
  const action: ChatAction = {
    v: 1,
    id: `youtube:${randomUUID()}#0`,
    platform: 'youtube',
    channel: { id: 'UC1', name: `live-${randomUUID().slice(0, 8)}` },
    kind: 'say',
    text,
    causedBy: `youtube:${randomUUID()}`,
    eventReceivedAt: new Date().toISOString(),
    ...overrides,
  };
  return { stream: keys.actionsFor('youtube', action.channel.id), id: '0-1', payload: action, deliveryCount: 1 };
}

describe('OutboundDelivery with an HTTP-shaped platform (no Twitch anywhere)', () => {
  it('sends each action once, one in flight per connection, and marks it sent only after the platform returned it', async () => {
    const platform = new HttpLikePlatform();
    const { delivery, outcomes } = setUp(platform);
    const entries = Array.from({ length: 20 }, (_, i) => entry(`answer ${i}`));
    await Promise.all([...entries, ...entries].map((e) => delivery.handle(e)));
    expect(platform.created).toHaveLength(20);
    expect(platform.maxInFlight).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'sent')).toHaveLength(20);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(20);
    expect(await redis.get(ingestKeys.delivery(entries[0]!.payload as ChatAction))).toBe('sent');
  });

  it('retries a "later" refusal with its reason, and hands the action back to the bus when the wait would be too long', async () => {
    const platform = new HttpLikePlatform(
      new Map<string, SendOutcome[]>([
        ['soon', [{ status: 'refused', reason: 'rateLimitExceeded', retry: 'later', retryAfterMs: 50 }]],
        ['much later', [{ status: 'refused', reason: 'slowMode', retry: 'later', retryAfterMs: 60_000 }]],
      ]),
    );
    const { delivery, outcomes } = setUp(platform, { sendWaitMs: 1_000 });
    await delivery.handle(entry('soon'));
    expect(outcomes.map((o) => o.outcome)).toEqual(['retried', 'sent']);
    const later = entry('much later');
    await expect(delivery.handle(later)).rejects.toBeInstanceOf(SendDeferredError);
    expect(outcomes.slice(2)).toEqual([
      { outcome: 'retried', kind: 'say', reason: 'slowMode' },
      { outcome: 'deferred', kind: 'say', reason: 'slowMode' },
    ]);
    // Released, not settled: the redelivery sends it.
    expect(await redis.get(ingestKeys.delivery(later.payload as ChatAction))).toBeNull();
    await delivery.handle(later);
    expect(platform.created.map((message) => message.text)).toEqual(['soon', 'much later']);
  });

  it('dead-letters a final refusal, counts an unknown outcome as ambiguous, and drops answers that come too late', async () => {
    const platform = new HttpLikePlatform(
      new Map<string, SendOutcome[]>([
        ['banned', [{ status: 'refused', reason: 'userBannedFromChat', retry: 'never' }]],
        ['timed out', [{ status: 'unknown', reason: 'no response within 10000 ms' }]],
      ]),
    );
    const { delivery, outcomes } = setUp(platform, { maxActionAgeMs: 1_000 });
    await expect(delivery.handle(entry('banned'))).rejects.toThrow(new PermanentError('refused by youtube: userBannedFromChat'));
    await expect(delivery.handle(entry('timed out'))).rejects.toThrow(/ambiguous: no response within 10000 ms/);
    await delivery.handle(entry('stale', { eventReceivedAt: new Date(Date.now() - 5_000).toISOString() }));
    expect(outcomes.map((o) => o.outcome)).toEqual(['refused', 'ambiguous', 'expired']);
    expect(platform.created).toEqual([]);
  });

  it('defers an action that finds no send budget within sendWaitMs', async () => {
    const platform = new HttpLikePlatform();
    const { delivery, outcomes } = setUp(platform, { sendWaitMs: 100 }, { count: 1, perMs: 60_000 });
    const channel = { id: 'UC2', name: 'busy' };
    await delivery.handle(entry('first', { channel }));
    await expect(delivery.handle(entry('second', { channel }))).rejects.toBeInstanceOf(SendBudgetExhaustedError);
    expect(outcomes.at(-1)).toEqual({ outcome: 'deferred', kind: 'say', reason: 'send_budget' });
  });
});
