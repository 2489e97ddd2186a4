import type { StreamConsumer } from '@parley/bus';
import type { Platform } from '@parley/contracts';
import type { ShardMember } from '@parley/sharding';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChatIngest } from './chat-ingest.js';
import type { ConnectionHealth } from './connection-health.js';
import type { OutboundDelivery } from './outbound-delivery.js';
import type { RunnerLogger } from './ingest-runner.js';

export interface IngestMetricsSources {
  platform: Platform;
  ingest: Pick<ChatIngest<unknown>, 'on'>;
  delivery: OutboundDelivery;
  consumer: StreamConsumer;
  connectionHealth: ConnectionHealth;
  shardMember: ShardMember | null;
}

/**
 * The series every ingest app exports from the kit's events, with the same names and labels
 * whatever the platform (dashboards and alerts query them across platforms):
 * `parley_ingest_events_total`, `parley_delivery_actions_total`, `parley_delivery_reasons_total`,
 * `parley_ingest_connection_last_event_age_seconds`, `parley_shard_channel_changes_total`,
 * plus the log lines that go with them. A platform app adds its own series beside these.
 */
export function registerIngestMetrics(registry: Registry, sources: IngestMetricsSources, logger: RunnerLogger & { error(fields: object, message: string): void }): void {
  const { platform, ingest, delivery, consumer, connectionHealth, shardMember } = sources;
  const events = new Counter({
    name: 'parley_ingest_events_total',
    help: 'Chat events read from the platform, by outcome (published, duplicate, ignored, rejected).',
    labelNames: ['platform', 'outcome'] as const,
    registers: [registry],
  });
  const actions = new Counter({
    name: 'parley_delivery_actions_total',
    help: 'Actions (and attempts: retried) by outcome: sent, refused, retried, ambiguous (dropped, at most once), expired, duplicate, deferred.',
    labelNames: ['platform', 'kind', 'outcome'] as const,
    registers: [registry],
  });
  const reasons = new Counter({
    name: 'parley_delivery_reasons_total',
    help: "Why actions were refused (dead-lettered), retried or deferred: the platform's code or the kit's.",
    labelNames: ['platform', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'parley_ingest_connection_last_event_age_seconds',
    help: 'Seconds since each connection last received anything, by connection index in the pod.',
    labelNames: ['platform', 'connection'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [index, ageMs] of connectionHealth.ages()) this.set({ platform, connection: String(index) }, ageMs / 1_000);
    },
  });
  if (shardMember) {
    const changes = new Counter({
      name: 'parley_shard_channel_changes_total',
      help: 'Channels this pod took (owned), handed back (released) or lost with their lease (lost).',
      labelNames: ['change'] as const,
      registers: [registry],
    });
    for (const change of ['owned', 'released', 'lost'] as const) shardMember.on(change, () => changes.inc({ change }));
  }
  ingest.on('ingested', () => events.inc({ platform, outcome: 'published' }));
  ingest.on('duplicate', () => events.inc({ platform, outcome: 'duplicate' }));
  ingest.on('ignored', () => events.inc({ platform, outcome: 'ignored' }));
  ingest.on('rejected', ({ reason }) => {
    events.inc({ platform, outcome: 'rejected' });
    logger.warn({ reason }, 'chat frame rejected and dead-lettered');
  });
  ingest.on('publishFailed', (error) => logger.error({ err: error.message }, 'could not publish a chat event'));
  delivery.on('outcome', (result) => {
    actions.inc({ platform, kind: result.kind, outcome: result.outcome });
    if (result.outcome === 'refused' || result.outcome === 'retried' || result.outcome === 'deferred') {
      reasons.inc({ platform, outcome: result.outcome, reason: result.reason });
    }
    if (result.outcome === 'ambiguous') logger.warn({ reason: result.reason }, 'action outcome unknown: dropped (at most once) and dead-lettered');
  });
  consumer.on('deadLettered', ({ id, reason }) => logger.warn({ id, reason }, 'action dead-lettered'));
  consumer.on('error', (error: Error) => logger.error({ err: error.message }, 'bus consumer error'));
}
