import type { StreamConsumer } from '@parley/bus';
import { registerIngestMetrics, type ChatIngest, type ConnectionHealth, type OutboundDelivery } from '@parley/ingest';
import type { SlackEventsReceiver, SlackUserRoles } from '@parley/slack';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

interface Sources {
  receiver: SlackEventsReceiver;
  userRoles: SlackUserRoles;
  connectionHealth: ConnectionHealth;
  ingest: ChatIngest<unknown>;
  delivery: OutboundDelivery;
  consumer: StreamConsumer;
}

/**
 * The Slack receiver's events as Prometheus series and log lines, beside the kit's shared
 * series. Labels are bounded: HTTP statuses, the receiver's fixed reasons.
 */
export class IngestSlackMetrics {
  constructor(registry: Registry, sources: Sources, logger: Logger) {
    const { receiver, userRoles, connectionHealth, ingest, delivery, consumer } = sources;
    const refused = new Counter({
      name: 'parley_slack_requests_refused_total',
      help: 'Events API requests refused before anything was published, by status (401 signature, 400 malformed, 413 too large) and reason.',
      labelNames: ['status', 'reason'] as const,
      registers: [registry],
    });
    const ignored = new Counter({
      name: 'parley_slack_events_ignored_total',
      help: "Slack events acknowledged and not published, by reason (own-message, bot, subtype, duplicate: a retry or the app_mention twin, unknown-team, not-a-message).",
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    receiver.on('refused', ({ status, reason }) => {
      refused.inc({ status: String(status), reason });
      logger.warn({ status, reason }, 'slack request refused');
    });
    receiver.on('ignored', ({ reason }) => ignored.inc({ reason }));
    const lookups = new Counter({
      name: 'parley_slack_user_lookups_total',
      help: "Authors' roles found, by outcome: cached, fetched (users.info), failed (the author counted as everyone).",
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    userRoles.on('lookup', (lookup) => {
      lookups.inc({ outcome: lookup.outcome });
      if (lookup.outcome === 'failed') logger.warn({ teamId: lookup.teamId, userId: lookup.userId, err: lookup.error }, 'slack users.info failed: the author counts as everyone');
    });
    registerIngestMetrics(registry, { platform: 'slack', ingest, delivery, consumer, connectionHealth, shardMember: null }, logger);
  }
}
