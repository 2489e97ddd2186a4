import type { StreamConsumer } from '@parley/bus';
import type { ShardMember } from '@parley/sharding';
import type { ChatIngest, ConnectionHealth, OutboundDelivery, SharedTokenProvider } from '@parley/ingest';
import type { EventSubAdapter, TmiConnectionPool } from '@parley/twitch';
import type { ShardDisabledRelay } from './shard-disabled-relay.js';
import type { SubscriptionReconciler } from './subscription-reconciler.js';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

interface Sources {
  pool: TmiConnectionPool;
  /** The EventSub transport, when the pod reads through a conduit. */
  eventSub: EventSubAdapter | null;
  /** Keeps the conduit's subscriptions in step with the hub (EventSub with the shard manager). */
  reconciler: SubscriptionReconciler | null;
  relay: ShardDisabledRelay | null;
  connectionHealth: ConnectionHealth;
  ingest: ChatIngest<unknown>;
  delivery: OutboundDelivery;
  consumer: StreamConsumer;
  shardMember: ShardMember | null;
  auth: SharedTokenProvider | null;
}

/** Turns the ingest kit's and the Twitch lib's events into Prometheus series and log lines. */
export class IngestTwitchMetrics {
  constructor(registry: Registry, { pool, eventSub, reconciler, relay, connectionHealth, ingest, delivery, consumer, shardMember, auth }: Sources, logger: Logger) {
    if (eventSub) IngestTwitchMetrics.eventSub(registry, eventSub, logger);
    if (reconciler) IngestTwitchMetrics.reconciler(registry, reconciler, logger);
    if (relay) IngestTwitchMetrics.relay(registry, relay, logger);
    if (auth) {
      const refreshes = new Counter({
        name: 'parley_twitch_token_refreshes_total',
        help: 'Refreshes of the bot token done by this pod (the others read the result), by outcome.',
        labelNames: ['outcome'] as const,
        registers: [registry],
      });
      auth.on('refreshed', () => refreshes.inc({ outcome: 'refreshed' }));
      auth.on('invalidated', () => {
        refreshes.inc({ outcome: 'invalidated' });
        logger.warn('twitch says the bot token was revoked: refreshing it');
      });
      auth.on('refreshFailed', (error) => {
        refreshes.inc({ outcome: 'failed' });
        logger.warn({ err: error.message, status: error.status }, 'twitch token refresh failed');
      });
    }
    if (shardMember) {
      const handovers = new Counter({
        name: 'parley_shard_channel_changes_total',
        help: 'Channels this pod took (owned), handed back (released) or lost with their lease (lost).',
        labelNames: ['change'] as const,
        registers: [registry],
      });
      new Gauge({
        name: 'parley_shard_assignment_epoch_seen',
        help: 'Epoch of the assignment this pod last read.',
        registers: [registry],
        collect() {
          this.set(shardMember.epoch);
        },
      });
      for (const change of ['owned', 'released', 'lost'] as const) shardMember.on(change, () => handovers.inc({ change }));
    }
    const events = new Counter({
      name: 'parley_ingest_events_total',
      help: 'Chat events read from the platform, by outcome (published, duplicate, rejected).',
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
      help: 'Why actions were refused (dead-lettered), retried or deferred: the platform code (msg_duplicate, msg_followersonly, ...) or the kit code.',
      labelNames: ['platform', 'outcome', 'reason'] as const,
      registers: [registry],
    });
    const notices = new Counter({
      name: 'parley_twitch_notices_total',
      help: 'NOTICEs from Twitch by msg-id (msg_ratelimit, msg_duplicate, msg_banned, ...).',
      labelNames: ['msg_id'] as const,
      registers: [registry],
    });
    const reconnects = new Counter({
      name: 'parley_twitch_reconnects_total',
      help: 'Reconnections of the TMI connection.',
      registers: [registry],
    });
    new Gauge({
      name: 'parley_twitch_last_event_age_seconds',
      help: 'Seconds since the most silent TMI connection of this pod last received anything (the oldest age): health is this age, not the socket state.',
      registers: [registry],
      collect() {
        const oldest = connectionHealth.oldestAgeMs();
        this.set(oldest === undefined ? -1 : oldest / 1_000);
      },
    });
    new Gauge({
      name: 'parley_ingest_connection_last_event_age_seconds',
      help: 'Seconds since each connection last received anything, by connection index in the pod (bounded by channels / TWITCH_CHANNELS_PER_CONNECTION).',
      labelNames: ['platform', 'connection'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [index, ageMs] of connectionHealth.ages()) this.set({ platform: 'twitch', connection: String(index) }, ageMs / 1_000);
      },
    });
    new Gauge({
      name: 'parley_twitch_joined_channels',
      help: 'Channels this pod has joined.',
      registers: [registry],
      collect() {
        this.set(pool.joinedChannels().length);
      },
    });
    new Gauge({
      name: 'parley_twitch_connections',
      help: 'TMI connections this pod holds (channels are spread over them).',
      registers: [registry],
      collect() {
        this.set(pool.size);
      },
    });

    ingest.on('ingested', () => events.inc({ platform: 'twitch', outcome: 'published' }));
    ingest.on('duplicate', () => events.inc({ platform: 'twitch', outcome: 'duplicate' }));
    ingest.on('ignored', () => events.inc({ platform: 'twitch', outcome: 'ignored' }));
    ingest.on('rejected', ({ reason }) => {
      events.inc({ platform: 'twitch', outcome: 'rejected' });
      logger.warn({ reason }, 'chat frame rejected and dead-lettered');
    });
    ingest.on('publishFailed', (error) => logger.error({ err: error.message }, 'could not publish a chat event'));
    delivery.on('outcome', (result) => {
      actions.inc({ platform: 'twitch', kind: result.kind, outcome: result.outcome });
      if (result.outcome === 'refused' || result.outcome === 'retried' || result.outcome === 'deferred') {
        reasons.inc({ platform: 'twitch', outcome: result.outcome, reason: result.reason });
      }
      if (result.outcome === 'ambiguous') logger.warn({ reason: result.reason }, 'action outcome unknown: dropped (at most once) and dead-lettered');
    });
    pool.on('notice', ({ msgId }) => notices.inc({ msg_id: msgId ?? 'none' }));
    pool.on('reconnecting', ({ attempt, delayMs }) => {
      reconnects.inc();
      logger.warn({ attempt, delayMs }, 'reconnecting to twitch');
    });
    pool.on('error', (error) => logger.error({ err: error.message }, 'twitch connection error'));
    consumer.on('deadLettered', ({ id, reason }) => logger.warn({ id, reason }, 'action dead-lettered'));
    consumer.on('error', (error: Error) => logger.error({ err: error.message }, 'bus consumer error'));
  }

  /**
   * Conduit shards, their session losses, revocations and channel authorization. The
   * authorization gauge counts channels by state with labels platform and state only (three
   * values: no channel names or ids, whatever the number of channels); the pod holding the
   * reconcile lease (or one with a fixed channel list) reports them, the others report 0, so
   * `sum` over pods is the deployment's count. Per-channel states are on the hub's channel resource.
   */
  private static eventSub(registry: Registry, eventSub: EventSubAdapter, logger: Logger): void {
    new Gauge({
      name: 'parley_twitch_conduit_shards',
      help: 'Conduit shards this pod runs an EventSub session for.',
      registers: [registry],
      collect() {
        this.set(eventSub.runningShards().length);
      },
    });
    new Gauge({
      name: 'parley_channel_authorization',
      help: 'Channels by whether the broadcaster let the bot in (granted), refused or revoked it (refused), or is not known yet (pending); reported by the pod that reconciles the subscriptions.',
      labelNames: ['platform', 'state'] as const,
      registers: [registry],
      collect() {
        for (const [state, count] of Object.entries(eventSub.authorizationCounts())) this.set({ platform: 'twitch', state }, count);
      },
    });
    const lost = new Counter({ name: 'parley_twitch_conduit_shard_sessions_lost_total', help: 'EventSub sessions that failed (a new one is assigned to the shard).', registers: [registry] });
    const revocations = new Counter({ name: 'parley_twitch_eventsub_revocations_total', help: 'Subscriptions Twitch revoked, by status.', labelNames: ['status'] as const, registers: [registry] });
    eventSub.on('authorization', ({ channel, state, reason }) => logger.info({ channel, state, reason }, 'twitch channel authorization changed'));
    eventSub.on('shardLost', ({ shard, reason }) => {
      lost.inc();
      logger.warn({ shard, reason }, 'conduit shard session lost: reconnecting');
    });
    eventSub.on('shardAssigned', ({ shard }) => logger.info({ shard }, 'conduit shard assigned to a new session'));
    eventSub.on('revoked', ({ type, status }) => {
      revocations.inc({ status: status.slice(0, 64) });
      logger.warn({ type, status }, 'eventsub subscription revoked');
    });
    eventSub.on('error', (error) => logger.error({ err: error.message }, 'eventsub error'));
  }

  private static reconciler(registry: Registry, reconciler: SubscriptionReconciler, logger: Logger): void {
    new Gauge({
      name: 'parley_twitch_eventsub_reconciler',
      help: '1 while this pod holds the lease to reconcile the conduit’s subscriptions with the hub’s channels.',
      registers: [registry],
      collect() {
        this.set(reconciler.leading ? 1 : 0);
      },
    });
    const passes = new Counter({ name: 'parley_twitch_eventsub_reconciles_total', help: 'Reconcile passes, by kind (full: listed at Twitch; changes: after a hub change notice) and outcome.', labelNames: ['kind', 'outcome'] as const, registers: [registry] });
    const changes = new Counter({ name: 'parley_twitch_eventsub_subscription_changes_total', help: 'Chat subscriptions the reconciler created or deleted.', labelNames: ['change'] as const, registers: [registry] });
    reconciler.on('leading', (leading) => logger.info({ leading }, leading ? 'reconciling the conduit’s subscriptions' : 'no longer reconciling the conduit’s subscriptions'));
    reconciler.on('reconciled', ({ full, created, deleted, failed, ms }) => {
      passes.inc({ kind: full ? 'full' : 'changes', outcome: failed > 0 ? 'partial' : 'ok' });
      changes.inc({ change: 'created' }, created);
      changes.inc({ change: 'deleted' }, deleted);
      if (created + deleted + failed > 0) logger.info({ full, created, deleted, failed, ms }, 'conduit subscriptions reconciled');
    });
    reconciler.on('failed', (error) => {
      passes.inc({ kind: 'any', outcome: 'failed' });
      logger.warn({ err: error.message }, 'reconciling the conduit’s subscriptions failed');
    });
  }

  private static relay(registry: Registry, relay: ShardDisabledRelay, logger: Logger): void {
    const disabled = new Counter({
      name: 'parley_twitch_conduit_shards_disabled_total',
      help: 'conduit.shard.disabled notifications read by this pod, by status (websocket_disconnected, websocket_failed_ping_pong, ...).',
      labelNames: ['status'] as const,
      registers: [registry],
    });
    const recovered = new Counter({ name: 'parley_twitch_conduit_shards_recovered_total', help: 'Shards Twitch disabled that this pod ran and gave a new session.', registers: [registry] });
    relay.on('disabled', ({ shard, status }) => {
      disabled.inc({ status });
      logger.info({ shard, status }, 'twitch disabled a conduit shard');
    });
    relay.on('recovered', ({ shard, status }) => {
      recovered.inc();
      logger.warn({ shard, status }, 'conduit shard disabled by twitch while its session looked alive: replaced the session');
    });
    relay.on('error', (error) => logger.warn({ err: error.message }, 'conduit shard recovery failed'));
  }
}
