import { StreamConsumer } from '@parley/bus';
import type { Platform, StreamKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { PlatformAdapter } from './adapter.js';
import type { IngestPodConfig } from './ingest-config.js';
import type { IngestKeys } from './ingest-keys.js';
import { OutboundDelivery, type OutboundDeliveryOptions } from './outbound-delivery.js';
import type { SendBudget } from './send-budget.js';

export interface ActionDeliveryDeps {
  platform: Platform;
  adapter: PlatformAdapter;
  redis: Redis;
  keys: StreamKeys;
  ingestKeys: IngestKeys;
  budget: SendBudget;
  /** The account that sends (its send budget and last-line memory are keyed by it). */
  identity: string;
  /** The kit's `INGEST_*` settings (`ingestPodFields`). */
  config: IngestPodConfig;
  /** Platforms that refuse a repeated line (Twitch): how the delivery makes it differ. */
  repeatRefusal?: OutboundDeliveryOptions['repeatRefusal'];
}

/**
 * The delivery side of every ingest app, wired one way: the platform's actions stream read by
 * the consumer group `ingest-<platform>`, each entry handed to an OutboundDelivery, with the
 * kit's `INGEST_*` settings. The app passes what is its own: the adapter, the budget, who sends.
 */
export function createActionDelivery(deps: ActionDeliveryDeps): { delivery: OutboundDelivery; consumer: StreamConsumer } {
  const { platform, config, keys, ingestKeys } = deps;
  const delivery = new OutboundDelivery(deps.adapter, deps.redis, ingestKeys, deps.budget, {
    identity: deps.identity,
    maxActionAgeMs: config.INGEST_MAX_ACTION_AGE_MS,
    confirmTimeoutMs: config.INGEST_CONFIRM_TIMEOUT_MS,
    onAmbiguous: config.INGEST_ON_AMBIGUOUS,
    ...(deps.repeatRefusal && { repeatRefusal: deps.repeatRefusal }),
  });
  const group = `ingest-${platform}`;
  const consumer = new StreamConsumer(deps.redis, {
    streams: keys.allActionPartitions(platform),
    group,
    consumer: config.INGEST_CONSUMER_NAME,
    deadLetterStream: (stream) => keys.deadLetterFor(stream),
    handler: (entry) => delivery.handle(entry),
    claimIdleMs: config.INGEST_CLAIM_IDLE_MS,
    batchSize: config.INGEST_BATCH_SIZE,
    liveness: { key: (stream) => keys.consumers(group, stream), ttlMs: config.INGEST_CONSUMER_TTL_MS },
  });
  return { delivery, consumer };
}
